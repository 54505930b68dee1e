/**
 * Slack's AI surfaces, on the same turn path as every other Slack message:
 * - the Bolt `Assistant` (assistant threads): suggested prompts when a thread starts, the
 *   thread's title from its first question, a status ("is thinking…", "is running net_check…")
 *   while the turn works, and the question itself handed to the adapter's message handler;
 * - App Home (`app_home_opened` → `views.publish`): pending approvals decidable there (through
 *   the ApprovalHandler, so roles and self-approval rules hold), identities, recent executions;
 * - feedback buttons under answers, stored and audited (src/actions/message-feedback.ts).
 * Strings are in the clicker's Slack locale (users.info).
 */
import { Assistant, type App, type types } from '@slack/bolt';
import { z } from 'zod';
import { recordFeedback } from '../../actions/message-feedback.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { createTranslator, type Translator } from '../../contracts/i18n.js';
import { unsafeTextReason } from '../../contracts/safe-text.js';
import { toErrorBody } from '../../errors.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns } from '../bot-turns.js';
import { HOME_APPROVE_ACTION, HOME_DENY_ACTION, homeView, loadHome } from './slack-home.js';
import type { SlackLocales } from './slack-locale.js';

type WebClient = InstanceType<typeof App>['client'];
type KnownBlock = types.KnownBlock;

/** action_id of the feedback buttons under an answer. */
export const FEEDBACK_ACTION = 'vigie_feedback';

const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/i);
const feedbackValue = z.string().regex(/^(good|bad):[0-9a-f-]{36}$/i);

/** The feedback block under an answer (Slack's feedback buttons, values `good:<id>` / `bad:<id>`). */
export function feedbackBlocks(messageId: string, i18n: Translator): KnownBlock[] {
  return [
    {
      type: 'context_actions',
      block_id: `feedback:${messageId}`,
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION,
          positive_button: {
            text: { type: 'plain_text', text: i18n.t('slack.feedback.good') },
            accessibility_label: i18n.t('slack.feedback.prompt'),
            value: `good:${messageId}`,
          },
          negative_button: {
            text: { type: 'plain_text', text: i18n.t('slack.feedback.bad') },
            accessibility_label: i18n.t('slack.feedback.prompt'),
            value: `bad:${messageId}`,
          },
        },
      ],
    } as KnownBlock,
  ];
}

/** What the listeners need from the adapter. */
export interface AssistantHomeDeps {
  app: App;
  turns: BotTurns;
  approvals: ApprovalHandler;
  prisma: PrismaClient;
  audit: AuditLog;
  locales: SlackLocales;
  logger: Logger;
  /** Runs `job` after the ack in the adapter's bounded queue; false when the queue is full. */
  submit(job: () => Promise<void>): boolean;
  /** The adapter's message path, with the assistant's status setter. */
  onMessage(
    client: WebClient,
    body: unknown,
    event: unknown,
    botUserId: string | undefined,
    status: (text: string) => Promise<void>,
  ): Promise<void>;
  /** Sends a refusal or notice to one user only. */
  whisper(client: WebClient, channel: string, user: string, text: string, threadTs?: string): Promise<void>;
}

/** Registers the Assistant, App Home and feedback listeners. */
export function registerAssistantAndHome(deps: AssistantHomeDeps): void {
  const { app, turns, approvals, prisma, audit, locales, logger, submit } = deps;
  const titled = new Set<string>();

  app.assistant(
    new Assistant({
      // Thread context is not used: no store round-trips (conversations.replies, chat.update).
      threadContextStore: { get: async () => ({}), save: async () => undefined },
      threadContextChanged: async () => undefined,
      threadStarted: async ({ event, client, body, setSuggestedPrompts }) => {
        const user = slackId.safeParse(event.assistant_thread?.user_id);
        const team = slackId.safeParse((body as { team_id?: unknown }).team_id);
        const i18n = createTranslator(user.success && team.success ? await locales.of(client, team.data, user.data) : undefined);
        const prompt = (name: string) => ({
          title: i18n.t(`slack.assistant.prompts.${name}Title`),
          message: i18n.t(`slack.assistant.prompts.${name}Message`),
        });
        await setSuggestedPrompts({
          title: i18n.t('slack.assistant.greeting'),
          prompts: [prompt('status'), prompt('net'), prompt('kb'), prompt('help')],
        }).catch((error: unknown) => logger.warn({ err: error }, 'slack assistant.threads.setSuggestedPrompts failed'));
      },
      userMessage: async ({ message, body, client, context, setStatus, setTitle }) => {
        const event = message as { text?: unknown; thread_ts?: unknown; channel?: unknown };
        const text = typeof event.text === 'string' ? event.text : '';
        const key = `${String(event.channel)}:${String(event.thread_ts)}`;
        // The first question names the thread (never text Vigie refuses, such as a NUL).
        if (!titled.has(key) && text.trim() && !unsafeTextReason(text)) {
          if (titled.size > 10_000) titled.clear();
          titled.add(key);
          await setTitle(text.replace(/\s+/g, ' ').trim().slice(0, 100)).catch((error: unknown) =>
            logger.warn({ err: error }, 'slack assistant.threads.setTitle failed'),
          );
        }
        const status = async (line: string) => {
          await setStatus(line).then(
            () => undefined,
            (error: unknown) => logger.warn({ err: error }, 'slack assistant.threads.setStatus failed'),
          );
        };
        if (!submit(() => deps.onMessage(client, body, message, context.botUserId, status)))
          logger.warn('slack assistant message dropped: the after-ack queue is full');
      },
    }),
  );

  app.event('app_home_opened', async ({ event, body, client }) => {
    if ((event as { tab?: unknown }).tab !== 'home') return;
    const user = slackId.safeParse(event.user);
    const team = slackId.safeParse((body as { team_id?: unknown }).team_id);
    if (!user.success || !team.success) {
      logger.warn('malformed slack app_home_opened ignored');
      return;
    }
    if (!submit(() => publishHome(client, team.data, user.data))) logger.warn('slack app home dropped: the after-ack queue is full');
  });

  const publishHome = async (client: WebClient, team: string, user: string, notice?: string) => {
    const i18n = createTranslator(await locales.of(client, team, user));
    const principal = await turns.linkedPrincipalOf({ provider: 'slack', workspace: team, externalId: user });
    const view = homeView(await loadHome(prisma, principal), i18n, notice);
    await client.views
      .publish({ user_id: user, view })
      .catch((error: unknown) => logger.warn({ err: error, user }, 'slack views.publish failed'));
  };

  app.action(new RegExp(`^(${HOME_APPROVE_ACTION}|${HOME_DENY_ACTION})$`), async ({ ack, body, action, client }) => {
    await ack();
    if (!submit(() => decideFromHome(body, action, client))) logger.warn('slack home click dropped: the after-ack queue is full');
  });

  const decideFromHome = async (body: unknown, action: unknown, client: WebClient) => {
    const clicker = z
      .object({ user: z.object({ id: slackId, team_id: slackId.optional() }), team: z.object({ id: slackId }).nullish() })
      .safeParse(body);
    if (!clicker.success) {
      logger.warn('malformed slack home action ignored');
      return;
    }
    const user = clicker.data.user.id;
    const team = clicker.data.team?.id ?? clicker.data.user.team_id ?? '';
    const i18n = createTranslator(await locales.of(client, team, user));
    const executionId = z.uuid().safeParse((action as { value?: unknown }).value);
    const decision = (action as { action_id?: unknown }).action_id === HOME_APPROVE_ACTION ? 'approved' : 'denied';
    if (!executionId.success) return publishHome(client, team, user, i18n.t('approval.badButton'));
    let notice: string;
    try {
      const principal = await turns.principalOf({ provider: 'slack', workspace: team, externalId: user });
      const execution =
        decision === 'approved'
          ? await approvals.approve(principal, executionId.data, 'slack')
          : await approvals.deny(principal, executionId.data, 'slack');
      notice = i18n.t('approval.decidedBy', { tool: execution.tool, decision: i18n.t(`approval.${decision}`), name: principal.userName });
    } catch (error) {
      const { status, body: failure } = toErrorBody(error);
      if (status >= 500) logger.error({ err: error, executionId: executionId.data }, 'slack home approval failed');
      notice = i18n.t('approval.notDecided', { decision: i18n.t(`approval.${decision}`), reason: failure.message });
    }
    await publishHome(client, team, user, notice);
  };

  app.action(FEEDBACK_ACTION, async ({ ack, body, action, client }) => {
    await ack();
    if (!submit(() => feedback(body, action, client))) logger.warn('slack feedback dropped: the after-ack queue is full');
  });

  const feedback = async (body: unknown, action: unknown, client: WebClient) => {
    const clicker = z
      .object({
        user: z.object({ id: slackId, team_id: slackId.optional() }),
        team: z.object({ id: slackId }).nullish(),
        channel: z.object({ id: slackId }),
      })
      .safeParse(body);
    if (!clicker.success) {
      logger.warn('malformed slack feedback action ignored');
      return;
    }
    const user = clicker.data.user.id;
    const team = clicker.data.team?.id ?? clicker.data.user.team_id ?? '';
    const channel = clicker.data.channel.id;
    const i18n = createTranslator(await locales.of(client, team, user));
    const value = feedbackValue.safeParse((action as { value?: unknown }).value);
    if (!value.success) return deps.whisper(client, channel, user, i18n.t('slack.feedback.badButton'));
    const [rating, messageId] = value.data.split(':') as [string, string];
    try {
      const principal = await turns.principalOf({ provider: 'slack', workspace: team, externalId: user });
      await recordFeedback(prisma, audit, principal, {
        messageId: messageId.toLowerCase(),
        rating,
        channel: 'slack',
        externalIds: { workspace: team, channelId: channel, userId: user },
      });
      await deps.whisper(client, channel, user, i18n.t('slack.feedback.thanks'));
    } catch (error) {
      const { status, body: failure } = toErrorBody(error);
      if (status >= 500) logger.error({ err: error, messageId }, 'slack feedback failed');
      await deps.whisper(client, channel, user, failure.message);
    }
  };
}
