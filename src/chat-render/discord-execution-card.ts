/**
 * Discord rendering of one execution card, shared by the Discord bot (interaction and gateway
 * replies) and the MCP approval cards (src/mcp/mcp-approval-cards.ts): a Components V2 card
 * with Approve/Deny buttons while it waits, who decided and the result view afterwards, in the
 * requester's language.
 */
import { describeExecution } from '../tools/pipeline/execution-summary.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { approversText, executionCardOf, statusWord } from '../contracts/execution-card.js';
import { createTranslator } from '../contracts/i18n.js';
import { parseResultView, viewOfResult } from '../contracts/result-view.js';
import type { DiscordEmbed } from './discord-cards.js';
import { COMPONENTS_V2_FLAG, escapeMarkdown, viewContainer, type DiscordComponent } from './discord-result-view.js';

/** A message body for Discord's REST API; `files` travel as multipart attachments. */
export interface DiscordMessageBody {
  content?: string;
  embeds?: DiscordEmbed[];
  components?: Array<Record<string, unknown>>;
  flags?: number;
  allowed_mentions?: { parse: string[] };
  files?: Array<{ name: string; data: Buffer }>;
}

const COLORS: Record<string, number> = { pending_approval: 0xf1c40f, succeeded: 0x2ecc71, denied: 0xe74c3c, failed: 0xe74c3c };
/** No @everyone, role or user pings from rendered text. */
export const NO_MENTIONS = { parse: [] as string[] };

/**
 * One execution as a Components V2 card: tool, state and requester; while it waits, what
 * approving will do (its preview view), who may approve and Approve / Deny; once decided,
 * who decided and the result view.
 */
export function executionMessage(
  execution: ExecutionView,
  decidedBy?: { name: string; decision: 'approved' | 'denied' },
): DiscordMessageBody {
  const card = executionCardOf(execution as unknown as Record<string, unknown>);
  const pending = execution.status === 'pending_approval';
  // The card's words in the requester's language (the execution's stored locale), like its view.
  const i18n = createTranslator(execution.locale ?? undefined);
  const decided = decidedBy
    ? `\n${decidedBy.decision === 'approved' ? '✅' : '⛔'} ${escapeMarkdown(i18n.t(decidedBy.decision === 'approved' ? 'card.approvedBy' : 'card.deniedBy', { name: decidedBy.name }))}`
    : '';
  const header = `**${escapeMarkdown(execution.tool)}** · ${escapeMarkdown(statusWord(execution.status, i18n))} · ${escapeMarkdown(i18n.t('card.risk', { risk: execution.riskLevel }))} · ${escapeMarkdown(i18n.t('card.requestedBy', { name: execution.requesterName }))}${decided}`;
  const after: DiscordComponent[] = pending
    ? [
        { type: 10, content: `-# ${escapeMarkdown(approversText(card, i18n))}` },
        {
          type: 1,
          components: [
            { type: 2, style: 3, label: i18n.t('approval.approve'), custom_id: `vigie:approve:${execution.id}` },
            { type: 2, style: 4, label: i18n.t('approval.deny'), custom_id: `vigie:deny:${execution.id}` },
          ],
        },
      ]
    : [{ type: 10, content: `-# ${i18n.t('card.execution', { id: execution.id })}` }];
  const view = pending ? parseResultView(execution.preview) : viewOfResult(execution.result);
  const container: DiscordComponent = view
    ? viewContainer(view, { header, after })
    : {
        type: 17,
        accent_color: COLORS[execution.status] ?? 0x95a5a6,
        components: [
          { type: 10, content: header },
          { type: 10, content: escapeMarkdown(describeExecution(execution)).slice(0, 3_000) },
          ...after,
        ],
      };
  return { flags: COMPONENTS_V2_FLAG, components: [container], allowed_mentions: NO_MENTIONS };
}

/** A finished execution's result view as a Components V2 message, if it has one. */
export function resultViewMessage(execution: ExecutionView): DiscordMessageBody | undefined {
  const view = execution.status === 'pending_approval' ? null : viewOfResult(execution.result);
  return view ? { flags: COMPONENTS_V2_FLAG, components: [viewContainer(view)], allowed_mentions: NO_MENTIONS } : undefined;
}
