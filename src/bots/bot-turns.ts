/**
 * The one path every chat message takes, whatever the platform: who is asking → which
 * conversation → store the question (the console mirrors it live) → one agent turn. Adapters
 * only translate platform payloads in and rendered answers out.
 */
import type { Counter, Registry } from 'prom-client';
import type { DomainEvents } from '../actions/domain-events.js';
import { messagePoster } from '../actions/messages.js';
import { userLocaleOf } from '../actions/users.js';
import type { AgentService, TurnResult } from '../agents/agent-service.js';
import type { Principal } from '../auth/principal.js';
import { ValidationError, toErrorBody } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import { t, type Locale } from '../contracts/i18n.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { BotIdentities, ExternalAccount } from './bot-identities.js';
import { isOutage, retryLaterReply } from './bot-unavailable.js';
import { threadConversation, type ThreadReference } from './bot-conversations.js';
import { counter } from '../core/metrics.js';

/** A chat message, normalised by an adapter. */
export interface ChatMessage {
  account: ExternalAccount;
  thread: ThreadReference;
  text: string;
  /** Platform ids recorded with executions and used by the channel allowlist (channelId). */
  externalIds: Record<string, string>;
  /** The platform's id of this delivery: a redelivery stores and runs nothing again. */
  deliveryId: string;
  /** The asker's locale (Slack users.info, Discord interaction.locale): refusals, help and fixed sentences use it. */
  locale?: Locale | undefined;
}

/** Live progress of a turn for adapters that show it (Slack task and plan chunks). */
export interface TurnProgress {
  /** A streamed token of the answer. */
  onToken?: ((delta: string) => void) | undefined;
  /** A tool execution of this turn changed state (proposed, pending approval, running, done…). */
  onTool?: ((execution: Record<string, unknown>) => void) | undefined;
  /** The model turn is waiting for a slot or has started (only model answers; commands never). */
  onStatus?: ((status: 'queued' | 'running') => void) | undefined;
}

/** What became of a chat message. */
export type ChatOutcome =
  | { kind: 'answered'; principal: Principal; conversationId: string; result: TurnResult }
  | { kind: 'refused'; reason: string }
  | { kind: 'duplicate' };

/** The largest question a chat user may send. */
export const MAX_CHAT_TEXT = 4_000;

/** Bot payloads obey the same text rules as REST (src/contracts/safe-text.ts): refused, never stored. */
function assertSafeChatInput(value: unknown, part: string): void {
  const unsafe = findUnsafeInput(value, part);
  if (unsafe) throw new ValidationError(`Vigie cannot read this message: ${unsafe.path} ${unsafe.message}`, [unsafe]);
}

/** Components of the chat path. */
export interface BotTurnsOptions {
  prisma: PrismaClient;
  events?: DomainEvents | undefined;
  agent: Pick<AgentService, 'runTurn'>;
  identities: BotIdentities;
  metrics?: Registry | undefined;
}

/** Runs chat messages through identity, conversation and agent. */
export class BotTurns {
  private readonly counter: Counter<'platform' | 'outcome'>;

  constructor(private readonly options: BotTurnsOptions) {
    const name = 'vigie_bot_messages_total';
    this.counter = counter(options.metrics, {
      name,
      help: 'Chat messages handled by the bots, by platform and outcome',
      labelNames: ['platform', 'outcome'],
    });
  }

  /** Identity and policy only (approval buttons use it). */
  async principalOf(account: ExternalAccount): Promise<Principal> {
    assertSafeChatInput(account, 'account');
    return this.options.identities.resolve(account);
  }

  /** The principal of a linked account, or undefined; creates no user (App Home, feedback reads). */
  async linkedPrincipalOf(account: ExternalAccount): Promise<Principal | undefined> {
    if (findUnsafeInput(account, 'account')) return undefined;
    return this.options.identities.lookup(account);
  }

  /** Handles one chat message; refusals come back as text for the requester only. */
  async handle(message: ChatMessage, progress?: ((delta: string) => void) | TurnProgress): Promise<ChatOutcome> {
    const hooks: TurnProgress = typeof progress === 'function' ? { onToken: progress } : (progress ?? {});
    let unavailable = false;
    const outcome = await this.run(message, hooks).catch((error: unknown): ChatOutcome => {
      const { status, body } = toErrorBody(error);
      // PostgreSQL or Redis down: the user is told to retry (nothing was stored or run).
      if (isOutage(error)) {
        unavailable = true;
        return { kind: 'refused', reason: retryLaterReply(message.locale) };
      }
      if (status >= 500) throw error;
      return { kind: 'refused', reason: body.message };
    });
    this.counter.inc({ platform: message.thread.channel, outcome: unavailable ? 'unavailable' : outcome.kind });
    return outcome;
  }

  private async run(message: ChatMessage, { onToken, onTool, onStatus }: TurnProgress): Promise<ChatOutcome> {
    assertSafeChatInput(message, 'message');
    const text = message.text.trim() || 'help';
    if (text.length > MAX_CHAT_TEXT) return { kind: 'refused', reason: t(message.locale, 'common.messageTooLong', { max: MAX_CHAT_TEXT }) };
    const principal = await this.options.identities.resolve(message.account);
    const conversationId = await threadConversation(this.options.prisma, principal, message.thread);
    const posted = await messagePoster(this.options.prisma, this.options.events, principal, conversationId, {
      content: text,
      channel: message.thread.channel,
      clientMessageId: message.deliveryId.slice(0, 100),
      metadata: { externalIds: message.externalIds, ...(message.locale ? { locale: message.locale } : {}) },
    });
    if (!posted.created) return { kind: 'duplicate' };
    // Streamed tokens of this conversation's answer go to the adapter (one message edited on a cadence).
    const listener = ({ conversationId: streamed, delta }: { conversationId: string; delta: string }) => {
      if (streamed === conversationId) onToken?.(delta);
    };
    const toolListener = ({
      conversationId: changed,
      execution,
    }: {
      conversationId: string | null;
      execution: Record<string, unknown>;
    }) => {
      if (changed === conversationId) onTool?.(execution);
    };
    const statusListener = ({ conversationId: changed, status }: { conversationId: string; status: 'queued' | 'running' }) => {
      if (changed === conversationId) onStatus?.(status);
    };
    if (onToken) this.options.events?.on('agent.token', listener);
    if (onTool) this.options.events?.on('agent.tool', toolListener);
    if (onStatus) this.options.events?.on('agent.status', statusListener);
    let result: TurnResult;
    try {
      result = await this.options.agent.runTurn({
        principal,
        conversationId,
        text,
        channel: message.thread.channel,
        externalIds: message.externalIds,
        userMessageId: posted.message.id,
        // The platform's locale, else the user's profile locale (PATCH /api/me).
        locale: message.locale ?? (await userLocaleOf(this.options.prisma, principal.userId)) ?? undefined,
      });
    } finally {
      this.options.events?.off('agent.token', listener);
      this.options.events?.off('agent.tool', toolListener);
      this.options.events?.off('agent.status', statusListener);
    }
    return { kind: 'answered', principal, conversationId, result };
  }
}
