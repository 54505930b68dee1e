/**
 * The Slack adapter (@slack/bolt over the HTTP Events API, on our Express server): `/vigie`
 * slash commands, app mentions and DMs, answers in threads, Approve/Deny buttons. Bolt checks
 * the v0 signature and timestamp (401 otherwise); this file only translates payloads to
 * BotTurns and the ExecutionService, and answers back in Block Kit.
 */
import { App, ExpressReceiver, type types } from '@slack/bolt';
import type { Router } from 'express';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import { toErrorBody } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns, ChatMessage, ChatOutcome } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { APPROVE_ACTION, DENY_ACTION, escapeSlackText, executionBlocks, turnBlocks } from './slack-blocks.js';
import { slackLogger } from './slack-logger.js';
import { ThrottledMessage } from '../throttled-message.js';
import { slackBlockActionSchema, slackCommandSchema, slackEventEnvelopeSchema, slackMessageEventSchema } from './slack-payloads.js';

type WebClient = InstanceType<typeof App>['client'];
type KnownBlock = types.KnownBlock;

/** Settings and components of the Slack bot. */
export interface SlackBotOptions {
  botToken: string;
  signingSecret: string;
  /** Web API base (tests point it at a fake server); default https://slack.com/api/. */
  apiUrl?: string | undefined;
  /** Our Express router the events endpoint is added to (mounted before /api). */
  router: Router;
  turns: BotTurns;
  approvals: ApprovalHandler;
  dedupe: DeliveryDedupe;
  logger: Logger;
}

/** A running Slack bot. */
export interface SlackBot {
  app: InstanceType<typeof App>;
  /** Resolves once the start-up auth.test answered. */
  ready(): Promise<void>;
}

/** The endpoint Slack posts events, commands and interactions to. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Builds the Slack bot on `router`. */
export function createSlackBot(options: SlackBotOptions): SlackBot {
  const { turns, approvals, dedupe, logger } = options;
  const log = slackLogger(logger);
  const receiver = new ExpressReceiver({ signingSecret: options.signingSecret, router: options.router, endpoints: SLACK_EVENTS_PATH, logger: log });
  const app = new App({
    token: options.botToken,
    receiver,
    logger: log,
    deferInitialization: true,
    clientOptions: {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/` } : {}),
      // Slack API errors and rate limits are retried with backoff by the Web API client.
      retryConfig: { retries: 4, factor: 2, minTimeout: 100, maxTimeout: 3_000, randomize: true },
      rejectRateLimitedCalls: false,
    },
  });
  app.error(async (error) => {
    logger.error({ err: error }, 'slack listener failed');
  });

  const say = async (client: WebClient, channel: string, threadTs: string | undefined, text: string, blocks?: KnownBlock[]) => {
    try {
      return await client.chat.postMessage({ channel, text: text.slice(0, 3_000), ...(threadTs ? { thread_ts: threadTs } : {}), ...(blocks ? { blocks } : {}) });
    } catch (error) {
      logger.warn({ err: error, channel }, 'slack message not delivered');
      return undefined;
    }
  };
  const whisper = async (client: WebClient, channel: string, user: string, text: string, threadTs?: string) => {
    await client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }).catch((error: unknown) => logger.warn({ err: error, channel }, 'slack ephemeral reply not delivered'));
  };

  app.command('/vigie', async ({ command, ack, respond, client }) => {
    await ack();
    const parsed = slackCommandSchema.safeParse(command);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, 'malformed slack command ignored');
      return;
    }
    const { team_id: team, channel_id: channel, user_id: user, text, trigger_id: trigger } = parsed.data;
    if (!(await dedupe.claim(`slack:command:${trigger}`))) return;
    const reply = (outcome: ChatOutcome, threadTs: string | undefined) => deliver(client, channel, threadTs, outcome, (message) => respond({ response_type: 'ephemeral', text: message }).then(() => undefined));
    let principal: Principal;
    try {
      principal = await turns.principalOf({ provider: 'slack', workspace: team, externalId: user });
    } catch (error) {
      await reply({ kind: 'refused', reason: toErrorBody(error).body.message }, undefined);
      return;
    }
    // The command is echoed in the channel and answered in its thread: the thread is the conversation.
    const parent = await say(client, channel, undefined, `<@${user}> asked Vigie: /vigie ${escapeSlackText(text.slice(0, 500))}`);
    const threadTs = parent?.ts;
    const message: ChatMessage = {
      account: { provider: 'slack', workspace: team, externalId: user },
      thread: { channel: 'slack', externalRef: threadTs ? `slack:${team}:${channel}:${threadTs}` : `slack:${team}:${channel}:command:${trigger}`, title: `/vigie ${text}` },
      text,
      externalIds: { workspace: team, channelId: channel, userId: user, ...(threadTs ? { threadTs } : {}) },
      deliveryId: `slack:command:${trigger}`,
    };
    const stream = threadTs ? threadStream(client, channel, threadTs) : undefined;
    const outcome = await turns.handle(message, stream?.push).catch((error: unknown): ChatOutcome => internalError(error, principal.userId));
    if (await stream?.settle(outcome)) return;
    if (threadTs || outcome.kind !== 'answered') await reply(outcome, threadTs);
    else await respond({ response_type: 'in_channel', text: outcome.result.message.content.slice(0, 3_000), blocks: turnBlocks(outcome.result) });
  });

  const onMessage = async (client: WebClient, body: unknown, event: unknown, botUserId: string | undefined) => {
    const envelope = slackEventEnvelopeSchema.safeParse(body);
    const parsed = slackMessageEventSchema.safeParse(event);
    if (!envelope.success || !parsed.success) {
      logger.debug('slack event without a user message ignored');
      return;
    }
    const { team_id: team, event_id: eventId } = envelope.data;
    const { user, channel, ts, thread_ts: threadTs } = parsed.data;
    if (!(await dedupe.claim(`slack:event:${eventId}`))) return;
    const root = threadTs ?? ts;
    const stream = threadStream(client, channel, root);
    const text = parsed.data.text.replace(botUserId ? new RegExp(`<@${botUserId}>`, 'g') : /^\s*<@[A-Z0-9]+>/, '').trim();
    const outcome = await turns.handle({
      account: { provider: 'slack', workspace: team, externalId: user },
      thread: { channel: 'slack', externalRef: `slack:${team}:${channel}:${root}`, title: text.slice(0, 120) || 'Slack thread' },
      text,
      externalIds: { workspace: team, channelId: channel, userId: user, threadTs: root },
      deliveryId: `slack:event:${eventId}`,
    }, stream.push).catch((error: unknown): ChatOutcome => internalError(error, user));
    if (await stream.settle(outcome)) return;
    await deliver(client, channel, root, outcome, (message) => whisper(client, channel, user, message, root));
  };

  // A streamed answer: one message in the thread, edited on a cadence, then replaced by the final answer.
  const threadStream = (client: WebClient, channel: string, root: string) => {
    const stream = new ThrottledMessage({
      post: async (partial) => (await say(client, channel, root, partial))?.ts,
      edit: async (id, partial) => {
        await client.chat.update({ channel, ts: id, text: partial.slice(0, 3_000) });
      },
    });
    return {
      push: (delta: string) => stream.push(delta),
      /** True when the final answer replaced the streamed message (nothing left to post). */
      async settle(outcome: ChatOutcome): Promise<boolean> {
        const streamed = await stream.finish();
        if (!streamed || outcome.kind !== 'answered') return false;
        await client.chat
          .update({ channel, ts: streamed, text: outcome.result.message.content.slice(0, 3_000), blocks: turnBlocks(outcome.result) })
          .catch((error: unknown) => logger.warn({ err: error, channel }, 'slack final answer not delivered'));
        return true;
      },
    };
  };

  const internalError = (error: unknown, who: string): ChatOutcome => {
    logger.error({ err: error, user: who }, 'slack message failed');
    return { kind: 'refused', reason: 'Vigie hit an internal error; the operators have the details in the logs.' };
  };

  const deliver = async (client: WebClient, channel: string, threadTs: string | undefined, outcome: ChatOutcome, refuse: (text: string) => Promise<void>) => {
    if (outcome.kind === 'duplicate') return;
    if (outcome.kind === 'refused') return refuse(outcome.reason);
    await say(client, channel, threadTs, outcome.result.message.content, turnBlocks(outcome.result));
  };

  app.event('app_mention', async ({ body, event, client, context }) => onMessage(client, body, event, context.botUserId));
  app.message(async ({ body, message, client, context }) => {
    if ((message as { channel_type?: string }).channel_type !== 'im') return;
    await onMessage(client, body, message, context.botUserId);
  });

  app.action(new RegExp(`^(${APPROVE_ACTION}|${DENY_ACTION})$`), async ({ ack, body, action, client }) => {
    await ack();
    const parsed = slackBlockActionSchema.safeParse(body);
    const executionId = z.uuid().safeParse((action as { value?: unknown }).value);
    if (!parsed.success) {
      logger.warn('malformed slack block action ignored');
      return;
    }
    const { user, team, channel, message } = parsed.data;
    if (!executionId.success) {
      await whisper(client, channel.id, user.id, 'That button does not carry a valid execution id.');
      return;
    }
    const decision = (action as { action_id: string }).action_id === APPROVE_ACTION ? 'approved' : 'denied';
    try {
      const principal = await turns.principalOf({ provider: 'slack', workspace: team?.id ?? user.team_id ?? '', externalId: user.id });
      const execution = decision === 'approved' ? await approvals.approve(principal, executionId.data, 'slack') : await approvals.deny(principal, executionId.data, 'slack');
      const card = executionBlocks(execution, { name: principal.userName, decision });
      const ids = new Set([`execution:${execution.id}`, `decide:${execution.id}`]);
      const previous = (message.blocks ?? []) as unknown as KnownBlock[];
      const at = previous.findIndex((block) => ids.has(String(block.block_id)));
      const blocks = at < 0 ? card : [...previous.slice(0, at), ...card, ...previous.slice(at).filter((block) => !ids.has(String(block.block_id)))];
      await client.chat.update({ channel: channel.id, ts: message.ts, text: `${execution.tool} ${decision} by ${principal.userName}`, blocks });
    } catch (error) {
      const { status, body: failure } = toErrorBody(error);
      if (status >= 500) logger.error({ err: error, executionId: executionId.data }, 'slack approval failed');
      await whisper(client, channel.id, user.id, `Not ${decision}: ${failure.message}`);
    }
  });

  return { app, ready: () => app.init() };
}
