/**
 * Discord rendering, shared by interaction replies and gateway replies: answers split at
 * Discord's 2,000-character message limit (a very long one is cut and attached as a file so
 * a channel never gets a flood of messages), dedicated embeds for citations and service cards
 * (discord-cards.ts), an embed per execution, and Approve/Deny buttons on pending ones.
 */
import type { TurnResult } from '../../agents/agent-service.js';
import { describeExecution } from '../../tools/pipeline/execution-summary.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { splitText } from '../slack/slack-blocks.js';
import { approversText, executionCardOf, statusWord } from '../../contracts/execution-card.js';
import { createTranslator } from '../../contracts/i18n.js';
import { parseResultView, viewOfResult } from '../../contracts/result-view.js';
import { packEmbeds, resultCards, type DiscordEmbed } from './discord-cards.js';
import { COMPONENTS_V2_FLAG, escapeMarkdown, viewContainer, type DiscordComponent } from './discord-result-view.js';

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
export function restRequest(message: DiscordMessageBody): {
  body: Omit<DiscordMessageBody, 'files'>;
  files?: Array<{ name: string; data: Buffer }>;
} {
  const { files, ...body } = message;
  return files?.length ? { body, files } : { body };
}

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
  // Results with a view go as Components V2 messages; the others keep the dedicated embeds.
  const views = result.executions.map(resultViewMessage);
  const cards = result.executions.map((execution, index) => (views[index] ? undefined : resultCards(execution)));
  const rendered = cards.filter((card) => card !== undefined);
  const viewMessages = views.filter((message) => message !== undefined);
  const finished = result.executions.filter((execution) => execution.status !== 'pending_approval');
  const everyResultShown = finished.length > 0 && rendered.length + viewMessages.length === finished.length;
  // A command whose every result is shown as a card needs no text: the card is the answer.
  if (result.route === 'command' && everyResultShown && viewMessages.length === finished.length) {
    const pending = result.executions.filter((execution) => execution.status === 'pending_approval').slice(0, 5);
    return [...viewMessages, ...pending.map((execution) => executionMessage(execution))];
  }
  const text =
    result.route === 'command' && everyResultShown && rendered.length
      ? rendered.map((card) => card.summary).join('\n')
      : result.message.content;
  const messages = textMessages(text);
  const [first, ...more] = packEmbeds(rendered.flatMap((card) => card.embeds));
  if (first) messages[messages.length - 1]!.embeds = first;
  for (const embeds of more) messages.push({ embeds, allowed_mentions: NO_MENTIONS });
  messages.push(...viewMessages);
  const pending = result.executions.filter((execution) => execution.status === 'pending_approval').slice(0, 5);
  for (const execution of pending) messages.push(executionMessage(execution));
  return messages;
}
