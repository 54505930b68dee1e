/**
 * Discord rendering, shared by interaction replies and gateway replies: answers split at
 * Discord's 2,000-character message limit (a very long one is cut and attached as a file so
 * a channel never gets a flood of messages), dedicated embeds for citations and service cards
 * (discord-cards.ts), an embed per execution, and Approve/Deny buttons on pending ones.
 */
import type { TurnResult } from '../../agents/agent-service.js';
import { describeExecution } from '../../agents/execution-summary.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { splitText } from '../slack/slack-blocks.js';
import { packEmbeds, resultCards, type DiscordEmbed } from './discord-cards.js';

/** Discord's limit on a message's content. */
export const DISCORD_MESSAGE_LIMIT = 2_000;
/** Beyond this many text messages, the answer is attached as a file instead. */
export const MAX_TEXT_MESSAGES = 4;
/** The name of the attached full answer. */
export const ANSWER_FILE = 'answer.txt';

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
const NO_MENTIONS = { parse: [] as string[] };

/** Splits a body into discord.js REST request data (JSON body plus files). */
export function restRequest(message: DiscordMessageBody): { body: Omit<DiscordMessageBody, 'files'>; files?: Array<{ name: string; data: Buffer }> } {
  const { files, ...body } = message;
  return files?.length ? { body, files } : { body };
}

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
  return { embeds: [embed], components, allowed_mentions: NO_MENTIONS };
}

/** Text as messages of at most 2,000 characters; past MAX_TEXT_MESSAGES, one cut message plus the file. */
export function textMessages(text: string): DiscordMessageBody[] {
  const pieces = splitText(text, DISCORD_MESSAGE_LIMIT);
  if (pieces.length <= MAX_TEXT_MESSAGES) return pieces.map((content) => ({ content, allowed_mentions: NO_MENTIONS }));
  const note = `\n… ${text.length} characters in all: the full answer is attached as ${ANSWER_FILE}.`;
  const head = splitText(text, DISCORD_MESSAGE_LIMIT - note.length)[0]!;
  return [{ content: `${head}${note}`, allowed_mentions: NO_MENTIONS, files: [{ name: ANSWER_FILE, data: Buffer.from(text, 'utf8') }] }];
}

/**
 * An answer as Discord messages: the text (a command's JSON dump replaced by a one-line
 * summary when its result has cards), the result embeds on the last text message (more
 * messages when they exceed 10 embeds or 6,000 characters), then each pending approval.
 */
export function turnMessages(result: TurnResult): DiscordMessageBody[] {
  const cards = result.executions.map(resultCards);
  const rendered = cards.filter((card) => card !== undefined);
  const everyResultHasCards = rendered.length > 0 && rendered.length === result.executions.length;
  const text = result.route === 'command' && everyResultHasCards ? rendered.map((card) => card.summary).join('\n') : result.message.content;
  const messages = textMessages(text);
  const [first, ...more] = packEmbeds(rendered.flatMap((card) => card.embeds));
  if (first) messages[messages.length - 1]!.embeds = first;
  for (const embeds of more) messages.push({ embeds, allowed_mentions: NO_MENTIONS });
  const pending = result.executions.filter((execution) => execution.status === 'pending_approval').slice(0, 5);
  for (const execution of pending) messages.push(executionMessage(execution));
  return messages;
}
