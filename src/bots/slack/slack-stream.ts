/**
 * Slack's native streaming of a model answer (`chat.startStream` → `chat.appendStream` →
 * `chat.stopStream`): the text arrives as markdown chunks, each tool the turn runs shows as a
 * task (`task_update`: pending → in progress → complete/error) and a QoS plan adds a plan
 * title (`plan_update`). The final call carries the result cards, the approval buttons and
 * the feedback buttons, so a turn is one message.
 *
 * When Slack refuses the streaming API (older workspace, token type, missing feature: any
 * error of `chat.startStream`) or SLACK_STREAMING=edit, the answer falls back to one posted
 * message edited with `chat.update` at most once a second, then replaced by the final Block
 * Kit answer. A failure mid-stream finishes the message with `chat.update` the same way.
 */
import type { types } from '@slack/bolt';
import type { Translator } from '../../contracts/i18n.js';
import type { Logger } from '../../logger.js';
import { ThrottledMessage } from '../throttled-message.js';
import { escapeSlackText } from '../../chat-render/slack-execution-card.js';

type KnownBlock = types.KnownBlock;
type AnyChunk = types.AnyChunk;
type TaskUpdateChunk = types.TaskUpdateChunk;

/** How answers are streamed: Slack's streaming API (falls back to edits when refused) or edits only. */
export type SlackStreamingMode = 'native' | 'edit';

/** The Web API methods a stream uses (Bolt's client; a fake in unit tests). */
export interface StreamClient {
  chat: {
    postMessage(args: Record<string, unknown>): Promise<{ ts?: string | undefined }>;
    update(args: Record<string, unknown>): Promise<unknown>;
    startStream(args: Record<string, unknown>): Promise<{ ts?: string | undefined }>;
    appendStream(args: Record<string, unknown>): Promise<unknown>;
    stopStream(args: Record<string, unknown>): Promise<unknown>;
  };
}

/** Where the answer goes and who asked (Slack requires the recipient outside DMs). */
export interface StreamTarget {
  channel: string;
  threadTs: string;
  userId: string;
  teamId: string;
}

/** The final answer: fallback text, the whole answer as blocks, and what follows streamed text. */
export interface FinalAnswer {
  text: string;
  /** The whole answer (edit mode, and the fallback after a refused stream). */
  blocks: KnownBlock[];
  /** Cards, approval and feedback buttons shown under the streamed text (native mode). */
  tail: KnownBlock[];
}

/** One streamed answer. */
export interface AnswerStream {
  /** A streamed token. */
  push(delta: string): void;
  /** A tool execution of the turn changed state (shown once the model turn started: commands stay plain). */
  tool(execution: Record<string, unknown>): void;
  /** The model turn started: from now on tool runs show as tasks. */
  arm(): void;
  /** Ends the stream with the final answer; false when nothing was streamed (the caller posts it). */
  settle(final: FinalAnswer | undefined): Promise<boolean>;
}

const MARKDOWN_LIMIT = 11_000;
const TASK_STATUS: Record<string, TaskUpdateChunk['status']> = {
  proposed: 'pending',
  pending_approval: 'pending',
  queued: 'pending',
  running: 'in_progress',
  succeeded: 'complete',
};

/** Starts a stream toward `target` (nothing is sent before the first token or tool event). */
export function createAnswerStream(options: {
  client: StreamClient;
  target: StreamTarget;
  mode: SlackStreamingMode;
  i18n: Translator;
  logger: Logger;
  intervalMs?: number;
}): AnswerStream {
  const { client, target, i18n, logger } = options;
  const intervalMs = options.intervalMs ?? 1_000;
  let native = options.mode === 'native';
  let ts: string | undefined;
  let streamed = '';
  let buffer = '';
  let pendingChunks: AnyChunk[] = [];
  let planShown = false;
  let armed = false;
  let broken = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  const tasks = new Map<string, string>();

  // Edit mode (and the fallback): one posted message edited on a cadence.
  const edits = new ThrottledMessage(
    {
      post: async (text) =>
        (await client.chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text: text.slice(0, 3_000) })).ts,
      edit: async (id, text) => {
        await client.chat.update({ channel: target.channel, ts: id, text: text.slice(0, 3_000) });
      },
    },
    intervalMs,
  );

  const serial = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      logger.warn({ err: error, channel: target.channel }, 'slack stream update failed');
    });
  };

  const flush = () =>
    serial(async () => {
      if (!native) return;
      const chunks: AnyChunk[] = [
        ...(buffer ? [{ type: 'markdown_text' as const, text: escapeSlackText(buffer).slice(0, MARKDOWN_LIMIT) }] : []),
        ...pendingChunks,
      ];
      if (chunks.length === 0) return;
      streamed += buffer;
      buffer = '';
      pendingChunks = [];
      if (!ts) {
        try {
          const started = await client.chat.startStream({
            channel: target.channel,
            thread_ts: target.threadTs,
            recipient_user_id: target.userId,
            recipient_team_id: target.teamId,
            task_display_mode: 'timeline',
            chunks,
          });
          if (!started.ts) throw new Error('chat.startStream returned no ts');
          ts = started.ts;
        } catch (error) {
          // Streaming refused: everything so far goes to an edited message instead.
          logger.info({ err: error, channel: target.channel }, 'slack refused chat.startStream; falling back to chat.update');
          native = false;
          if (streamed) edits.push(streamed);
        }
        return;
      }
      if (broken) return;
      try {
        await client.chat.appendStream({ channel: target.channel, ts, chunks });
      } catch (error) {
        broken = true;
        logger.warn({ err: error, channel: target.channel }, 'slack chat.appendStream failed; the final answer replaces the message');
      }
    });

  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      flush();
    }, intervalMs);
  };

  return {
    push(delta) {
      if (!native) {
        edits.push(delta);
        return;
      }
      buffer += delta;
      // The first tokens start the stream at once; later ones go out on the cadence.
      if (!ts && streamed === '' && pendingChunks.length === 0) flush();
      else schedule();
    },
    arm() {
      armed = true;
    },
    tool(execution) {
      if (!native || !armed) return;
      const id = typeof execution.id === 'string' ? execution.id.slice(0, 64) : undefined;
      const tool = typeof execution.tool === 'string' ? execution.tool.slice(0, 100) : undefined;
      const status = typeof execution.status === 'string' ? execution.status : undefined;
      if (!id || !tool || !status || tasks.get(id) === status) return;
      tasks.set(id, status);
      if (tool.startsWith('qos_') && !planShown) {
        planShown = true;
        pendingChunks.push({ type: 'plan_update', title: i18n.t('slack.planTitle') });
      }
      pendingChunks.push({
        type: 'task_update',
        id,
        title: i18n.t('slack.taskRunning', { tool }),
        status: TASK_STATUS[status] ?? 'error',
        details: i18n.t('slack.taskDone', { tool, status: i18n.t(`status.${status}`) }),
      });
      flush();
    },
    async settle(final) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (buffer) flush();
      await chain;
      if (!native || !ts) {
        const posted = await edits.finish();
        if (!posted || !final) return false;
        await client.chat
          .update({ channel: target.channel, ts: posted, text: final.text.slice(0, 3_000), blocks: final.blocks })
          .catch((error: unknown) => logger.warn({ err: error, channel: target.channel }, 'slack final answer not delivered'));
        return true;
      }
      if (!final) {
        await client.chat
          .stopStream({ channel: target.channel, ts })
          .catch((error: unknown) => logger.warn({ err: error, channel: target.channel }, 'slack chat.stopStream failed'));
        return true;
      }
      // What the final answer adds to the streamed text (notes after the model's reply).
      const rest = final.text.startsWith(streamed) ? final.text.slice(streamed.length) : '';
      try {
        if (broken) throw new Error('the stream broke earlier');
        await client.chat.stopStream({
          channel: target.channel,
          ts,
          ...(rest.trim() ? { chunks: [{ type: 'markdown_text', text: escapeSlackText(rest).slice(0, MARKDOWN_LIMIT) }] } : {}),
          ...(final.tail.length ? { blocks: final.tail } : {}),
        });
      } catch (error) {
        logger.warn({ err: error, channel: target.channel }, 'slack stream not finished natively; replacing it with chat.update');
        await client.chat
          .update({ channel: target.channel, ts, text: final.text.slice(0, 3_000), blocks: final.blocks })
          .catch((failure: unknown) => logger.warn({ err: failure, channel: target.channel }, 'slack final answer not delivered'));
      }
      return true;
    },
  };
}
