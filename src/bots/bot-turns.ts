/**
 * The one path every chat message takes, whatever the platform: who is asking → which
 * conversation → store the question (the console mirrors it live) → one agent turn. Adapters
 * only translate platform payloads in and rendered answers out.
 */
import { Counter, type Registry } from 'prom-client';
import type { DomainEvents } from '../actions/domain-events.js';
import { messagePoster } from '../actions/messages.js';
import type { AgentService, TurnResult } from '../agents/agent-service.js';
import type { Principal } from '../auth/principal.js';
import { ValidationError, toErrorBody } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { BotIdentities, ExternalAccount } from './bot-identities.js';
import { threadConversation, type ThreadReference } from './bot-conversations.js';
import { isOutage, RETRY_LATER_REPLY } from './bot-unavailable.js';

/** A chat message, normalised by an adapter. */
export interface ChatMessage {
  account: ExternalAccount;
  thread: ThreadReference;
  text: string;
  /** Platform ids recorded with executions and used by the channel allowlist (channelId). */
  externalIds: Record<string, string>;
  /** The platform's id of this delivery: a redelivery stores and runs nothing again. */
  deliveryId: string;
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
    const existing = options.metrics?.getSingleMetric(name) as Counter<'platform' | 'outcome'> | undefined;
    this.counter = existing ?? new Counter({ name, help: 'Chat messages handled by the bots, by platform and outcome', labelNames: ['platform', 'outcome'], registers: options.metrics ? [options.metrics] : [] });
  }

  /** Identity and policy only (approval buttons use it). */
  async principalOf(account: ExternalAccount): Promise<Principal> {
    assertSafeChatInput(account, 'account');
    return this.options.identities.resolve(account);
  }

  /** Handles one chat message; refusals come back as text for the requester only. */
  async handle(message: ChatMessage, onToken?: (delta: string) => void): Promise<ChatOutcome> {
    let unavailable = false;
    const outcome = await this.run(message, onToken).catch((error: unknown): ChatOutcome => {
      const { status, body } = toErrorBody(error);
      // PostgreSQL or Redis down: the user is told to retry (nothing was stored or run).
      if (isOutage(error)) {
        unavailable = true;
        return { kind: 'refused', reason: RETRY_LATER_REPLY };
      }
      if (status >= 500) throw error;
      return { kind: 'refused', reason: body.message };
    });
    this.counter.inc({ platform: message.thread.channel, outcome: unavailable ? 'unavailable' : outcome.kind });
    return outcome;
  }

  private async run(message: ChatMessage, onToken?: (delta: string) => void): Promise<ChatOutcome> {
    assertSafeChatInput(message, 'message');
    const text = message.text.trim() || 'help';
    if (text.length > MAX_CHAT_TEXT) return { kind: 'refused', reason: `Messages are limited to ${MAX_CHAT_TEXT} characters` };
    const principal = await this.options.identities.resolve(message.account);
    const conversationId = await threadConversation(this.options.prisma, principal, message.thread);
    const posted = await messagePoster(this.options.prisma, this.options.events, principal, conversationId, {
      content: text,
      channel: message.thread.channel,
      clientMessageId: message.deliveryId.slice(0, 100),
      metadata: { externalIds: message.externalIds },
    });
    if (!posted.created) return { kind: 'duplicate' };
    // Streamed tokens of this conversation's answer go to the adapter (one message edited on a cadence).
    const listener = ({ conversationId: streamed, delta }: { conversationId: string; delta: string }) => {
      if (streamed === conversationId) onToken?.(delta);
    };
    if (onToken) this.options.events?.on('agent.token', listener);
    let result: TurnResult;
    try {
      result = await this.options.agent.runTurn({
        principal,
        conversationId,
        text,
        channel: message.thread.channel,
        externalIds: message.externalIds,
        userMessageId: posted.message.id,
      });
    } finally {
      this.options.events?.off('agent.token', listener);
    }
    return { kind: 'answered', principal, conversationId, result };
  }
}
