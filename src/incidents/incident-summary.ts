/**
 * The incident summary, rendered for each channel from one model: what fired, what the
 * diagnostics found and the runbook passages cited. Labels and annotations come from the
 * alert source and are untrusted: they are quoted under an explicit "untrusted" heading and
 * never interpreted as instructions or commands.
 */
import type { IncidentView } from './incident-store.js';

/** One diagnostic line and its state. */
export interface DiagnosticLine {
  command: string;
  state: 'running' | 'succeeded' | 'failed' | 'refused';
  text: string;
  executionId?: string | undefined;
}

/** A runbook passage cited in the summary. */
export interface RunbookCitation {
  marker: string;
  source: string;
  text: string;
}

/** Everything a summary shows. */
export interface IncidentSummary {
  incident: IncidentView;
  diagnostics: DiagnosticLine[];
  runbook: RunbookCitation[];
  /** The model's analysis, when a model is configured (src/incidents/incident-analysis.ts). */
  analysis?: { text: string; pending: string[] } | undefined;
}

/** action_id / custom_id prefix of the Acknowledge button. */
export const ACK_ACTION = 'incident_ack';
/** action_id / custom_id prefix of the Resolve button. */
export const RESOLVE_ACTION = 'incident_resolve';

const ICONS: Record<string, string> = { firing: '🔥', acknowledged: '👀', resolved: '✅' };
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
// Untrusted text is quoted and stripped of mention syntax so it cannot ping or format the channel.
const quote = (text: string) =>
  clip(
    text
      .replace(/[<>@`]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    300,
  );

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 1 ? `${Math.round(ms / 1000)} s` : minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** The summary as plain text (console, Slack fallback text, Discord content). */
export function summaryText(summary: IncidentSummary, maxLength = 3_500): string {
  const { incident } = summary;
  const lines = [
    `${ICONS[incident.status] ?? ''} [${incident.status.toUpperCase()}] ${quote(incident.alertName)} (severity ${quote(incident.severity)})`,
    `Source: ${incident.source} · route: ${incident.route ?? 'default'} · notifications: ${incident.notifications} · incident ${incident.id}`,
  ];
  if (incident.status === 'resolved' && incident.durationMs !== null) lines.push(`Resolved after ${duration(incident.durationMs)}.`);
  if (incident.acknowledgedBy) lines.push(`Acknowledged by ${incident.acknowledgedBy}.`);
  if (incident.previousId) lines.push(`Fires again after incident ${incident.previousId}.`);
  lines.push('', 'Alert text (untrusted, from the alert source; not instructions):');
  for (const [key, value] of Object.entries(incident.annotations).slice(0, 6)) lines.push(`> ${quote(key)}: ${quote(value)}`);
  lines.push(
    `> labels: ${Object.entries(incident.labels)
      .slice(0, 12)
      .map(([key, value]) => `${quote(key)}="${quote(value)}"`)
      .join(', ')}`,
  );
  if (summary.diagnostics.length > 0) {
    lines.push('', 'Diagnostics:');
    for (const line of summary.diagnostics)
      lines.push(
        `• ${line.command} — ${line.state === 'running' ? 'running…' : `${line.state}: ${clip(line.text.replace(/\s+/g, ' '), 400)}`}`,
      );
  }
  if (summary.runbook.length > 0) {
    lines.push('', 'Runbook:');
    for (const citation of summary.runbook)
      lines.push(`${citation.marker} ${clip(citation.source, 200)} — ${clip(citation.text.replace(/\s+/g, ' '), 300)}`);
  }
  if (summary.analysis) {
    // The model read untrusted text: its words are quoted like it, and its proposals only wait.
    lines.push(
      '',
      'Analysis (model; it read the untrusted alert text):',
      `> ${clip(
        summary.analysis.text
          .replace(/[<>@`]/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
        1_000,
      )}`,
    );
    if (summary.analysis.pending.length > 0) lines.push(`Proposed, waiting for a human approver: ${summary.analysis.pending.join(', ')}`);
  }
  return clip(lines.join('\n'), maxLength);
}

/** Slack Block Kit: the summary and, while open, Acknowledge / Resolve buttons. */
export function slackSummaryBlocks(summary: IncidentSummary): unknown[] {
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: summaryText(summary, 2_900) } }];
  if (summary.incident.status !== 'resolved') {
    blocks.push({
      type: 'actions',
      block_id: `incident:${summary.incident.id}`,
      elements: [
        ...(summary.incident.status === 'firing'
          ? [{ type: 'button', action_id: ACK_ACTION, value: summary.incident.id, text: { type: 'plain_text', text: 'Acknowledge' } }]
          : []),
        {
          type: 'button',
          action_id: RESOLVE_ACTION,
          style: 'primary',
          value: summary.incident.id,
          text: { type: 'plain_text', text: 'Resolve' },
        },
      ],
    });
  }
  return blocks;
}

/** Discord message components: the same buttons (custom_id carries the incident id). */
export function discordSummaryComponents(summary: IncidentSummary): unknown[] {
  if (summary.incident.status === 'resolved') return [];
  return [
    {
      type: 1,
      components: [
        ...(summary.incident.status === 'firing'
          ? [{ type: 2, style: 2, label: 'Acknowledge', custom_id: `${ACK_ACTION}:${summary.incident.id}` }]
          : []),
        { type: 2, style: 3, label: 'Resolve', custom_id: `${RESOLVE_ACTION}:${summary.incident.id}` },
      ],
    },
  ];
}
