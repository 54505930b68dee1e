/**
 * Discord rendering, shared by interaction replies and gateway replies: answers split at
 * Discord's 2,000-character message limit (a very long one is cut and attached as a file so
 * a channel never gets a flood of messages), dedicated embeds for citations and service cards
 * (src/chat-render/discord-cards.ts), an embed per execution, and Approve/Deny buttons on
 * pending ones (src/chat-render/discord-execution-card.ts, shared with the MCP approval cards).
 */
import type { TurnResult } from '../../agents/agent-service.js';
import { packEmbeds, resultCards } from '../../chat-render/discord-cards.js';
import { executionMessage, NO_MENTIONS, resultViewMessage, type DiscordMessageBody } from '../../chat-render/discord-execution-card.js';
import { splitText } from '../../chat-render/slack-execution-card.js';

/** Discord's limit on a message's content. */
export const DISCORD_MESSAGE_LIMIT = 2_000;
/** Beyond this many text messages, the answer is attached as a file instead. */
export const MAX_TEXT_MESSAGES = 4;
/** The name of the attached full answer. */
export const ANSWER_FILE = 'answer.txt';

/** Splits a body into discord.js REST request data (JSON body plus files). */
export function restRequest(message: DiscordMessageBody): {
  body: Omit<DiscordMessageBody, 'files'>;
  files?: Array<{ name: string; data: Buffer }>;
} {
  const { files, ...body } = message;
  return files?.length ? { body, files } : { body };
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
