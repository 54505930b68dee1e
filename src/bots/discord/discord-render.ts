/**
 * Discord rendering: answers split at Discord's 2,000-character message limit (the first
 * piece edits the deferred reply, the rest follow), an embed per execution, and Approve/Deny
 * buttons on pending ones.
 */
import type { TurnResult } from '../../agents/agent-service.js';
import { describeExecution } from '../../agents/execution-summary.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { splitText } from '../slack/slack-blocks.js';

/** Discord's limit on a message's content. */
export const DISCORD_MESSAGE_LIMIT = 2_000;

/** A message body for Discord's REST API. */
export interface DiscordMessageBody {
  content?: string;
  embeds?: Array<Record<string, unknown>>;
  components?: Array<Record<string, unknown>>;
  flags?: number;
  allowed_mentions?: { parse: string[] };
}

const COLORS: Record<string, number> = { pending_approval: 0xf1c40f, succeeded: 0x2ecc71, denied: 0xe74c3c, failed: 0xe74c3c };

/** One execution as an embed, with buttons while it waits for approval. */
export function executionMessage(execution: ExecutionView, decidedBy?: { name: string; decision: 'approved' | 'denied' }): DiscordMessageBody {
  const embed = {
    title: `${execution.tool} · ${execution.status}`,
    description: describeExecution(execution).slice(0, 4_000),
    color: COLORS[execution.status] ?? 0x95a5a6,
    fields: [
      { name: 'Risk', value: execution.riskLevel, inline: true },
      { name: 'Requested by', value: execution.requesterName, inline: true },
      ...(decidedBy ? [{ name: decidedBy.decision === 'approved' ? 'Approved by' : 'Denied by', value: decidedBy.name, inline: true }] : []),
    ],
    footer: { text: `execution ${execution.id}` },
  };
  const components = execution.status === 'pending_approval'
    ? [{ type: 1, components: [
        { type: 2, style: 3, label: 'Approve', custom_id: `vigie:approve:${execution.id}` },
        { type: 2, style: 4, label: 'Deny', custom_id: `vigie:deny:${execution.id}` },
      ] }]
    : [];
  return { embeds: [embed], components, allowed_mentions: { parse: [] } };
}

/** An answer as Discord messages: text pieces of at most 2,000 characters, embeds on the last. */
export function turnMessages(result: TurnResult): DiscordMessageBody[] {
  const pieces = splitText(result.message.content, DISCORD_MESSAGE_LIMIT);
  const messages: DiscordMessageBody[] = pieces.map((content) => ({ content, allowed_mentions: { parse: [] } }));
  const pending = result.executions.filter((execution) => execution.status === 'pending_approval').slice(0, 5);
  for (const execution of pending) messages.push(executionMessage(execution));
  return messages;
}
