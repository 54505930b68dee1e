/**
 * The Slack adapter (@slack/bolt): `/vigie` slash commands, app mentions and DMs, answers in
 * threads, Approve/Deny buttons. Deliveries arrive over the HTTP Events API on our Express
 * server (Bolt checks the v0 signature and timestamp, 401 otherwise) and, with an app token,
 * over Socket Mode on the node holding the lease; both feed the same listeners below. This
 * file only translates payloads to BotTurns and the ExecutionService, and answers in Block Kit.
 */
import { App, ExpressReceiver, type Receiver, type RespondFn, type types } from '@slack/bolt';
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Principal } from '../../auth/principal.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { createTranslator, DEFAULT_LOCALE, type Locale, type Translator } from '../../contracts/i18n.js';
import { toErrorBody } from '../../errors.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import { ACK_ACTION, RESOLVE_ACTION } from '../../incidents/incident-summary.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import { createAfterAckQueue, type AfterAckQueueOptions } from '../after-ack-queue.js';
import type { TurnResult } from '../../agents/agent-service.js';
import type { BotTurns, ChatMessage, ChatOutcome } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { feedbackBlocks, registerAssistantAndHome } from './slack-assistant-home.js';
import { resultCardBlocks } from '../../chat-render/slack-cards.js';
import { APPROVE_ACTION, DENY_ACTION, escapeSlackText, executionBlocks } from '../../chat-render/slack-execution-card.js';
import { turnBlocks } from './slack-blocks.js';
import { slackLocales } from './slack-locale.js';
import { slackLogger } from './slack-logger.js';
import { claimDelivery, failureReply, isOutage, retryLaterReply } from '../bot-unavailable.js';
import { createAnswerStream, type FinalAnswer, type SlackStreamingMode } from './slack-stream.js';
import { slackCommandSchema, slackEventEnvelopeSchema, slackMessageEventSchema } from './slack-payloads.js';
import { createSlackSocketMode, type SlackSocketMode } from './slack-socket-mode.js';
import { slackClickHandlers } from './slack-clicks.js';

type WebClient = InstanceType<typeof App>['client'];
type KnownBlock = types.KnownBlock;

/** Settings and components of the Slack bot. */
export interface SlackBotOptions {
  botToken: string;
  /** Enables the HTTP Events API endpoint (unset: Socket Mode only, no endpoint is mounted). */
  signingSecret?: string | undefined;
  /** App-level token: enables Socket Mode on the node holding the `slack-socket-mode` lease. */
  appToken?: string | undefined;
  /** Shared Redis for the Socket Mode lease (unset: single node, held at once). */
  redis?: Redis | undefined;
  /** Socket Mode lease lifetime (tests shorten failover). */
  leaseTtlMs?: number | undefined;
  registry?: Registry | undefined;
  /** Bounds of the work after each ack (default: 32 at once, 1,000 waiting; SLACK_CONCURRENT_TURNS). */
  afterAck?: Pick<AfterAckQueueOptions, 'concurrency' | 'maxQueued'> | undefined;
  /** Web API base (tests point it at a fake server); default https://slack.com/api/. */
  apiUrl?: string | undefined;
  /** Largest request body the events endpoint reads (BODY_LIMIT; 413 above it). */
  bodyLimit?: string | undefined;
  /** Our Express router the events endpoint is added to (mounted before /api). */
  router: Router;
  turns: BotTurns;
  approvals: ApprovalHandler;
  dedupe: DeliveryDedupe;
  logger: Logger;
  /** Incident Acknowledge / Resolve buttons (src/incidents); absent: those clicks are ignored. */
  incidents?: IncidentActions | undefined;
  /** App Home and feedback read and write here (feedback is audited). */
  prisma: PrismaClient;
  audit: AuditLog;
  /** SLACK_STREAMING: Slack's streaming API with a chat.update fallback (default), or edits only. */
  streaming?: SlackStreamingMode | undefined;
  /** DEFAULT_LOCALE: the language of users whose Slack locale is unknown or unsupported. */
  defaultLocale?: Locale | undefined;
}

/** A running Slack bot. */
export interface SlackBot {
  app: InstanceType<typeof App>;
  /** Resolves once the start-up auth.test answered. */
  ready(): Promise<void>;
  /** Socket Mode (with an app token): start() it once ready() resolved. */
  socketMode?: SlackSocketMode | undefined;
  /** Closes the Socket Mode connection, releases its lease and waits (≤ graceMs, default 10 s) for acked jobs (the HTTP endpoint goes with the server). */
  stop(graceMs?: number): Promise<void>;
}

/** How long stop() waits for acked jobs to finish when not given the shutdown budget's share. */
const STOP_GRACE_MS = 10_000;

/** How far a signed request's timestamp may be from now, past or future (Slack's 5 minutes). */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** The endpoint Slack posts events, commands and interactions to. */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Builds the Slack bot on `router`. */
export function createSlackBot(options: SlackBotOptions): SlackBot {
  const { turns, approvals, dedupe, logger } = options;
  const log = slackLogger(logger);
  const defaultLocale = options.defaultLocale ?? DEFAULT_LOCALE;
  const locales = slackLocales({ fallback: defaultLocale, logger });
  const translatorOf = async (client: WebClient, team: string, user: string) =>
    createTranslator(await locales.of(client, team, user), defaultLocale);
  // Bolt refuses stale timestamps only; one from the future is refused here the same way
  // (401, before the body is read), so a captured request cannot be replayed later.
  if (options.signingSecret) {
    options.router.post(SLACK_EVENTS_PATH, (request, response, next) => {
      const timestamp = Number(request.header('x-slack-request-timestamp'));
      if (Number.isFinite(timestamp) && timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) {
        logger.warn({ timestamp }, 'slack request refused: timestamp too far in the future');
        response.status(401).send();
        return;
      }
      next();
    });
  }
  // Without a signing secret nothing can verify HTTP deliveries: no endpoint, Socket Mode only.
  const receiver: Receiver = options.signingSecret
    ? new ExpressReceiver({
        signingSecret: options.signingSecret,
        router: options.router,
        endpoints: SLACK_EVENTS_PATH,
        logger: log,
        bodyLimit: options.bodyLimit ?? '1mb',
      })
    : { init: () => undefined, start: async () => undefined, stop: async () => undefined };
  const app = new App({
    token: options.botToken,
    receiver,
    logger: log,
    deferInitialization: true,
    // Bolt's conversation store is unused (threads map to conversations in BotTurns).
    convoStore: false,
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
  // Nothing but the ack runs before the ack: the rest waits for a slot here (see after-ack-queue.ts).
  const work = createAfterAckQueue({ platform: 'slack', logger, registry: options.registry, ...(options.afterAck ?? {}) });
  const BUSY = createTranslator(defaultLocale).t('common.busy');

  const say = async (client: WebClient, channel: string, threadTs: string | undefined, text: string, blocks?: KnownBlock[]) => {
    try {
      return await client.chat.postMessage({
        channel,
        text: text.slice(0, 3_000),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(blocks ? { blocks } : {}),
      });
    } catch (error) {
      logger.warn({ err: error, channel }, 'slack message not delivered');
      return undefined;
    }
  };
  const whisper = async (client: WebClient, channel: string, user: string, text: string, threadTs?: string) => {
    await client.chat
      .postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) })
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'slack ephemeral reply not delivered'));
  };

  app.command('/vigie', async ({ command, ack, respond, client }) => {
    await ack();
    if (!work.submit(() => runCommand(command, respond, client))) {
      logger.warn('slack command refused: the after-ack queue is full');
      await respond({ response_type: 'ephemeral', text: BUSY }).catch(() => undefined);
    }
  });

  const runCommand = async (command: unknown, respond: RespondFn, client: WebClient) => {
    const parsed = slackCommandSchema.safeParse(command);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, 'malformed slack command ignored');
      return;
    }
    const { team_id: team, channel_id: channel, user_id: user, text, trigger_id: trigger } = parsed.data;
    const claim = await claimDelivery(dedupe, `slack:command:${trigger}`, logger);
    if (claim === 'repeat') return;
    const i18n = await translatorOf(client, team, user);
    const reply = (outcome: ChatOutcome, threadTs: string | undefined) =>
      deliver(client, channel, threadTs, outcome, i18n, (message) =>
        respond({ response_type: 'ephemeral', text: message }).then(() => undefined),
      );
    if (claim === 'unavailable') return reply({ kind: 'refused', reason: retryLaterReply(i18n.locale) }, undefined);
    let principal: Principal;
    try {
      principal = await turns.principalOf({ provider: 'slack', workspace: team, externalId: user });
    } catch (error) {
      await reply({ kind: 'refused', reason: isOutage(error) ? retryLaterReply(i18n.locale) : toErrorBody(error).body.message }, undefined);
      return;
    }
    // The command is echoed in the channel and answered in its thread: the thread is the conversation.
    const parent = await say(client, channel, undefined, i18n.t('slack.askedVigie', { user, text: escapeSlackText(text.slice(0, 500)) }));
    const threadTs = parent?.ts;
    const message: ChatMessage = {
      account: { provider: 'slack', workspace: team, externalId: user },
      thread: {
        channel: 'slack',
        externalRef: threadTs ? `slack:${team}:${channel}:${threadTs}` : `slack:${team}:${channel}:command:${trigger}`,
        title: `/vigie ${text}`,
      },
      text,
      externalIds: { workspace: team, channelId: channel, userId: user, ...(threadTs ? { threadTs } : {}) },
      deliveryId: `slack:command:${trigger}`,
      locale: i18n.locale,
    };
    const stream = threadTs ? answerStream(client, { channel, threadTs, userId: user, teamId: team }, i18n) : undefined;
    const outcome = await turns
      .handle(message, { onToken: stream?.push, onTool: stream?.tool, onStatus: (state) => state === 'running' && stream?.arm() })
      .catch((error: unknown): ChatOutcome => internalError(error, principal.userId, i18n));
    if (await stream?.settle(finalAnswer(outcome, i18n))) return;
    if (threadTs || outcome.kind !== 'answered') await reply(outcome, threadTs);
    else
      await respond({
        response_type: 'in_channel',
        text: outcome.result.message.content.slice(0, 3_000),
        blocks: answerBlocks(outcome.result, i18n),
      });
  };

  const onMessage = async (
    client: WebClient,
    body: unknown,
    event: unknown,
    botUserId: string | undefined,
    status?: (text: string) => Promise<void>,
  ) => {
    const envelope = slackEventEnvelopeSchema.safeParse(body);
    const parsed = slackMessageEventSchema.safeParse(event);
    if (!envelope.success || !parsed.success) {
      logger.debug('slack event without a user message ignored');
      return;
    }
    const { team_id: team, event_id: eventId } = envelope.data;
    const { user, channel, ts, thread_ts: threadTs } = parsed.data;
    const claim = await claimDelivery(dedupe, `slack:event:${eventId}`, logger);
    if (claim === 'repeat') return;
    const root = threadTs ?? ts;
    const i18n = await translatorOf(client, team, user);
    if (claim === 'unavailable') return whisper(client, channel, user, retryLaterReply(i18n.locale), root);
    const stream = answerStream(client, { channel, threadTs: root, userId: user, teamId: team }, i18n);
    const text = parsed.data.text.replace(botUserId ? new RegExp(`<@${botUserId}>`, 'g') : /^\s*<@[A-Z0-9]+>/, '').trim();
    // In an assistant thread, Slack shows the status under the question until the answer is posted.
    await status?.(i18n.t('slack.thinking'));
    const onTool = (execution: Record<string, unknown>) => {
      stream.tool(execution);
      if (status && execution.status === 'running' && typeof execution.tool === 'string')
        void status(i18n.t('slack.runningTool', { tool: execution.tool.slice(0, 100) }));
    };
    const outcome = await turns
      .handle(
        {
          account: { provider: 'slack', workspace: team, externalId: user },
          thread: { channel: 'slack', externalRef: `slack:${team}:${channel}:${root}`, title: text.slice(0, 120) || 'Slack thread' },
          text,
          externalIds: { workspace: team, channelId: channel, userId: user, threadTs: root },
          deliveryId: `slack:event:${eventId}`,
          locale: i18n.locale,
        },
        { onToken: stream.push, onTool, onStatus: (state) => state === 'running' && stream.arm() },
      )
      .catch((error: unknown): ChatOutcome => internalError(error, user, i18n));
    if (await stream.settle(finalAnswer(outcome, i18n))) return;
    await deliver(client, channel, root, outcome, i18n, (message) => whisper(client, channel, user, message, root));
  };

  // A streamed answer (slack-stream.ts): Slack's streaming API, or one message edited on a cadence.
  const answerStream = (
    client: WebClient,
    target: { channel: string; threadTs: string; userId: string; teamId: string },
    i18n: Translator,
  ) => createAnswerStream({ client: client as never, target, mode: options.streaming ?? 'native', i18n, logger });

  // Feedback buttons go under model answers (not under help or a command's result).
  const feedbackFor = (result: TurnResult, i18n: Translator) => (result.route === 'agent' ? feedbackBlocks(result.message.id, i18n) : []);
  const answerBlocks = (result: TurnResult, i18n: Translator) => [...turnBlocks(result), ...feedbackFor(result, i18n)];

  const finalAnswer = (outcome: ChatOutcome, i18n: Translator): FinalAnswer | undefined => {
    if (outcome.kind !== 'answered') return undefined;
    const { result } = outcome;
    // Under streamed text: the result cards, the approval buttons and the feedback buttons.
    const cards = result.executions.flatMap((execution) => resultCardBlocks(execution) ?? []);
    const pending = result.executions
      .filter((execution) => execution.status === 'pending_approval')
      .flatMap((execution) => executionBlocks(execution));
    return {
      text: result.message.content,
      blocks: answerBlocks(result, i18n),
      tail: [...cards.slice(0, 40), ...pending, ...feedbackFor(result, i18n)].slice(0, 50),
    };
  };

  const internalError = (error: unknown, who: string, i18n: Translator): ChatOutcome => ({
    kind: 'refused',
    reason: failureReply(error, logger, { user: who }, 'slack message failed', i18n.locale),
  });

  const deliver = async (
    client: WebClient,
    channel: string,
    threadTs: string | undefined,
    outcome: ChatOutcome,
    i18n: Translator,
    refuse: (text: string) => Promise<void>,
  ) => {
    if (outcome.kind === 'duplicate') return;
    if (outcome.kind === 'refused') return refuse(outcome.reason);
    await say(client, channel, threadTs, outcome.result.message.content, answerBlocks(outcome.result, i18n));
  };

  // Bolt acks events before their listeners run; the work goes to the queue like commands'.
  const queueMessage = (client: WebClient, body: unknown, event: unknown, botUserId: string | undefined) => {
    if (!work.submit(() => onMessage(client, body, event, botUserId))) logger.warn('slack event dropped: the after-ack queue is full');
  };
  app.event('app_mention', async ({ body, event, client, context }) => queueMessage(client, body, event, context.botUserId));
  app.message(async ({ body, message, client, context }) => {
    if ((message as { channel_type?: string }).channel_type !== 'im') return;
    queueMessage(client, body, message, context.botUserId);
  });

  const { decide, incidentClick } = slackClickHandlers({ turns, approvals, logger, whisper, translatorOf });
  app.action(new RegExp(`^(${APPROVE_ACTION}|${DENY_ACTION})$`), async ({ ack, body, action, client }) => {
    await ack();
    if (!work.submit(() => decide(body, action, client))) logger.warn('slack button click dropped: the after-ack queue is full');
  });

  app.action(new RegExp(`^(${ACK_ACTION}|${RESOLVE_ACTION})$`), async ({ ack, body, action, client }) => {
    await ack();
    if (!options.incidents) return;
    const incidents = options.incidents;
    if (!work.submit(() => incidentClick(incidents, body, action, client)))
      logger.warn('slack incident click dropped: the after-ack queue is full');
  });

  registerAssistantAndHome({
    app,
    turns,
    approvals,
    prisma: options.prisma,
    audit: options.audit,
    locales,
    logger,
    submit: (job) => work.submit(job),
    onMessage,
    whisper,
  });

  const socketMode = options.appToken
    ? createSlackSocketMode({
        app,
        appToken: options.appToken,
        apiUrl: options.apiUrl,
        redis: options.redis,
        leaseTtlMs: options.leaseTtlMs,
        logger,
        registry: options.registry,
      })
    : undefined;
  return {
    app,
    ready: () => app.init(),
    socketMode,
    async stop(graceMs = STOP_GRACE_MS) {
      await socketMode?.stop();
      // Acked jobs get a bounded grace period to finish before the server closes the database.
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        work.idle().then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!idle) logger.warn({ graceMs }, 'slack: acked jobs still running when the shutdown budget ran out');
    },
  };
}
