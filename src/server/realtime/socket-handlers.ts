/**
 * The client events of one socket. Each goes through the same guard: payload size, per-
 * socket rate limit, zod validation, then the action; the ack is `{data}` or `{error}` in
 * the REST error shape, and a client that sends no ack function is simply not answered.
 */
import { parseAcceptLanguage, resolveLocale } from '../../contracts/i18n.js';
import type { Socket } from 'socket.io';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { z } from 'zod';
import { conversationReader } from '../../actions/conversations.js';
import { conversationView } from '../../actions/conversation-views.js';
import { DEFAULT_SYNC_LIMIT, messagesAfterSeq, messagesSince } from '../../actions/message-sync.js';
import type { CatchUpMetrics } from './catch-up-metrics.js';
import type { ReadCoalescer } from './read-coalescer.js';
import type { GroupCommitPost } from './message-group-commit.js';
import { messagePoster } from '../../actions/messages.js';
import { assertMay } from '../../auth/policy.js';
import {
  AppError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  toErrorBody,
} from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RouteContext } from '../routes/route-context.js';
import { parseOrThrow } from '../../core/validation.js';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../contracts/event-maps.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { Presence } from './presence.js';
import { conversationRoom } from './rooms.js';
import { handshakeToken, type SocketData } from './socket-auth.js';
import { conversationPayload, executionPayload, joinPayload, sendPayload, syncPayload } from './socket-schemas.js';
import type { Principal } from '../../auth/principal.js';

/** The agent runtime's approval entry points (absent until that capability is wired). */
export interface ExecutionControl {
  approve(principal: Principal, executionId: string, channel: 'console'): Promise<unknown>;
  deny(principal: Principal, executionId: string, channel: 'console', reason?: string): Promise<unknown>;
}

/** What the handlers need. */
export interface HandlerDeps {
  context: RouteContext;
  logger: Logger;
  metrics: GatewayMetrics;
  limiter: RateLimiterAbstract;
  presence: Presence;
  maxPayloadBytes: number;
  catchUp: CatchUpMetrics;
  executions?: ExecutionControl | undefined;
  /** Shares identical concurrent `conversation:sync` reads (a room catching up after Redis returns). */
  syncReads?: ReadCoalescer<Awaited<ReturnType<typeof messagesAfterSeq>>> | undefined;
  /** The node's group commit of messages (absent: each message is its own transaction). */
  postMessage?: GroupCommitPost | undefined;
}

type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Raised when one event's payload is over the per-event limit. */
class PayloadTooLargeAckError extends AppError {
  constructor(limit: number) {
    super('payload_too_large', 413, `Event payload exceeds ${limit} bytes`);
  }
}

function payloadSize(payload: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(payload ?? null));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Registers every client event on `socket`. */
export function registerSocketHandlers(socket: GatewaySocket, deps: HandlerDeps): void {
  const { context, logger, metrics, limiter, presence } = deps;
  const prisma = context.database.prisma;
  const principal = socket.data.principal;
  // The browser's language (navigator.language sent on connect), else the upgrade's Accept-Language.
  const locale =
    resolveLocale((socket.handshake.auth as { locale?: unknown } | undefined)?.locale) ??
    parseAcceptLanguage(socket.handshake.headers['accept-language']);
  // Kept in this closure only: socket.data is shared with other nodes through the adapter.
  const token = handshakeToken(socket) ?? '';
  const log = logger.child({ socketId: socket.id, userId: principal.userId });

  const known = new Set<string>();

  /** Splits socket.io arguments into the payloads and the ack (always the last argument when it is a function). */
  function splitArgs(args: unknown[]): { payloads: unknown[]; reply: ((response: Ack<unknown>) => void) | undefined } {
    const last = args.at(-1);
    if (typeof last === 'function') return { payloads: args.slice(0, -1), reply: last as (response: Ack<unknown>) => void };
    return { payloads: args, reply: undefined };
  }

  function on<Schema extends z.ZodType, Result>(
    event: keyof ClientToServerEvents,
    schema: Schema,
    run: (payload: z.output<Schema>) => Promise<Result>,
  ): void {
    known.add(event);
    (socket as unknown as Socket).on(event, async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      const { payloads, reply } = splitArgs(args);
      let outcome = 'ok';
      try {
        if (payloads.length !== 1)
          throw new ValidationError(`${event} takes exactly one payload object, got ${payloads.length} arguments`, [
            { path: 'payload', message: 'exactly one argument expected' },
          ]);
        const raw = payloads[0];
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
          throw new ValidationError('Invalid payload: must be an object', [{ path: 'payload', message: 'must be an object' }]);
        if (payloadSize(raw) > deps.maxPayloadBytes) throw new PayloadTooLargeAckError(deps.maxPayloadBytes);
        try {
          await limiter.consume(socket.id);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
          throw rejection;
        }
        // Re-checked on every event (the authenticator caches for seconds), so a revoked
        // token or a disabled user stops working on open sockets too.
        const current = await context.authenticator.authenticate(token);
        if (!current || current.role !== principal.role) {
          setImmediate(() => socket.disconnect(true));
          throw new UnauthorizedError('The token was revoked or its role changed; reconnect');
        }
        const data = await run(parseOrThrow(schema, raw, 'payload'));
        reply?.({ data });
      } catch (error) {
        const { status, body } = toErrorBody(error);
        outcome = body.code;
        if (status >= 500) log.error({ err: error, event }, 'socket event failed');
        reply?.({ error: body });
      } finally {
        metrics.events.inc({ event, outcome });
        metrics.eventDuration.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
  }

  // Every event sent with an ack is answered, also one this server does not know; the
  // metric's event label stays bounded (`unknown`), whatever names clients invent.
  (socket as unknown as Socket).onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return;
    const { reply } = splitArgs(args);
    metrics.events.inc({ event: 'unknown', outcome: 'unknown_event' });
    reply?.({ error: { code: 'unknown_event', message: 'Unknown event; see docs/realtime.md for the events this server accepts' } });
  });

  function requireJoined(conversationId: string): void {
    if (!socket.rooms.has(conversationRoom(conversationId))) throw new NotFoundError('Joined conversation');
  }

  on('conversation:join', joinPayload, async ({ conversationId, since, afterSeq, limit = DEFAULT_SYNC_LIMIT }) => {
    const conversation = await conversationReader(prisma, principal, conversationId);
    // Joined before the catch-up is read: a message stored meanwhile is either in the page
    // or broadcast to this socket (or both; clients drop seqs they hold).
    await socket.join(conversationRoom(conversationId));
    presence.announce(conversationId);
    const started = process.hrtime.bigint();
    const page =
      afterSeq !== undefined
        ? await messagesAfterSeq(prisma, principal, conversationId, { afterSeq, limit })
        : since
          ? await messagesSince(prisma, conversationId, conversation.lastMessageSeq, { since: new Date(since), limit })
          : { conversationId, messages: [], nextSeq: conversation.lastMessageSeq, more: false, lastSeq: conversation.lastMessageSeq };
    if (afterSeq !== undefined || since) deps.catchUp.observe('join', page.messages.length, started);
    const { messages, ...paging } = page;
    return { conversation: conversationView(conversation), users: await presence.usersIn(conversationId), missed: messages, ...paging };
  });

  on('conversation:sync', syncPayload, async ({ conversationId, afterSeq, limit = DEFAULT_SYNC_LIMIT, reason }) => {
    const started = process.hrtime.bigint();
    if (reason) deps.catchUp.started(reason);
    const read = () => messagesAfterSeq(prisma, principal, conversationId, { afterSeq, limit });
    // Same caller (user and role: the same visibility), same page: one read for all who queue together.
    const key = [principal.userId, principal.role, conversationId, afterSeq, limit].join('\u0000');
    const page = deps.syncReads ? await deps.syncReads.run(key, read) : await read();
    deps.catchUp.observe('sync', page.messages.length, started);
    return page;
  });

  on('conversation:leave', conversationPayload, async ({ conversationId }) => {
    await socket.leave(conversationRoom(conversationId));
    presence.announce(conversationId);
    return { conversationId };
  });

  on('message:send', sendPayload, async ({ conversationId, content, clientMessageId }) => {
    // Stored (and broadcast through the message.created domain event) before the ack; with
    // the group commit, together with the other messages of the same few milliseconds.
    const input = { content, clientMessageId, channel: 'console' as const, ...(locale ? { metadata: { locale } } : {}) };
    const { message, created } = deps.postMessage
      ? await deps.postMessage({ principal, conversationId, input })
      : await messagePoster(prisma, context.events, principal, conversationId, input);
    log.debug({ conversationId, messageId: message.id, created }, 'message sent over socket');
    return { message, created };
  });

  on('typing', conversationPayload, async ({ conversationId }) => {
    requireJoined(conversationId);
    socket.to(conversationRoom(conversationId)).emit('typing', { conversationId, userId: principal.userId, userName: principal.userName });
    return { conversationId };
  });

  for (const [event, decision] of [
    ['execution:approve', 'approve'],
    ['execution:deny', 'deny'],
  ] as const) {
    on(event, executionPayload, async ({ executionId, reason }) => {
      if (!deps.executions) throw new UnavailableError('not_available', 'Tool executions are not available on this node yet');
      assertMay(principal, 'execution.decide', 'Approving or denying executions requires the operator role');
      log.info({ executionId, decision }, 'execution decision from console');
      return decision === 'deny'
        ? deps.executions.deny(principal, executionId, 'console', reason)
        : deps.executions.approve(principal, executionId, 'console');
    });
  }

  socket.on('disconnecting', () => {
    for (const room of socket.rooms) {
      if (room.startsWith('conversation:')) {
        // Announced after the socket has left (the announcement is deferred).
        presence.announce(room.slice('conversation:'.length));
      }
    }
  });
}
