/**
 * The realtime gateway: Socket.IO on the app's HTTP server, authenticated with the REST
 * bearer tokens, rooms per conversation, domain events fanned out to rooms on every node
 * (Redis adapter when Redis is given, in-memory otherwise), per-socket rate limits and
 * payload limits, presence and Prometheus metrics. A factory that takes its components, in
 * the style of Socket.IO's basic CRUD example, so tests boot it on port 0.
 */
import type http from 'node:http';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { Server } from 'socket.io';
import type { Logger } from '../../logger.js';
import { createLimiter } from '../http/rate-limit.js';
import type { RouteContext } from '../routes/route-context.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../contracts/event-maps.js';
import { bridgeDomainEvents } from './event-bridge.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { createPresence } from './presence.js';
import { ACCESS_CHANGES_CHANNEL } from '../../auth/access-changes.js';
import { createRedisAdapter, type RedisAdapterParts } from './redis-adapter.js';
import { ADMIN_ROOM, OPERATOR_ROOM } from './rooms.js';
import { createCatchUpMetrics } from './catch-up-metrics.js';
import { createResyncHints, type ResyncHints } from './resync-hints.js';
import { handshakeToken, socketAuthenticator, type SocketData } from './socket-auth.js';
import { registerSocketHandlers, type ExecutionControl } from './socket-handlers.js';
import { createMessageGroupCommit } from './message-group-commit.js';
import { ReadCoalescer } from './read-coalescer.js';
import type { messagesAfterSeq } from '../../actions/message-sync.js';
import { may } from '../../auth/policy.js';

export type { ExecutionControl } from './socket-handlers.js';

/** Gateway limits; the composition root maps them from configuration. */
export interface GatewayLimits {
  /** Client events one socket may send per minute. */
  eventsPerMinute: number;
  /** Largest accepted event payload (JSON bytes); bigger ones get a payload_too_large ack. */
  maxPayloadBytes: number;
  /** Hard cap of one Socket.IO packet; above it the connection is closed. */
  maxPacketBytes: number;
  /** How often open sockets' tokens are re-checked, so revoked ones stop receiving too. */
  revalidateEveryMs: number;
}

/** Defaults: generous for people, tight enough to stop a runaway client. */
export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  eventsPerMinute: 600,
  maxPayloadBytes: 64 * 1024,
  maxPacketBytes: 1024 * 1024,
  revalidateEveryMs: 30_000,
};

/** What the gateway is built from. */
export interface GatewayDeps {
  server: http.Server;
  context: RouteContext;
  registry: Registry;
  logger: Logger;
  redis?: Redis | undefined;
  executions?: ExecutionControl | undefined;
  limits?: Partial<GatewayLimits>;
}

/** The running gateway. */
export interface RealtimeGateway {
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  /** 'redis' when nodes share rooms through Redis, 'memory' in single-node mode. */
  mode: 'redis' | 'memory';
  /** Re-checks every local socket's token and disconnects revoked ones; resolves with how many. */
  revalidate(): Promise<number>;
  /** Disconnects this node's sockets and releases its Redis connections (the HTTP server stays up). */
  close(): Promise<void>;
}

/** Attaches the gateway to `deps.server`. */
export function createRealtimeGateway(deps: GatewayDeps): RealtimeGateway {
  const { server, context, logger, redis } = deps;
  const limits = { ...DEFAULT_GATEWAY_LIMITS, ...deps.limits };
  const metrics = createGatewayMetrics(deps.registry);
  const log = logger.child({ component: 'realtime' });

  const catchUp = createCatchUpMetrics(deps.registry);
  // Called only when Redis comes back, long after `hints` below exists.
  const hint = (what: string, run: (target: ResyncHints) => Promise<number>) => {
    run(hints).catch((error: unknown) =>
      log.warn({ err: error }, `resync hints after ${what} failed; clients still detect gaps on the next message`),
    );
  };
  let adapterParts: RedisAdapterParts | undefined;
  // The adapter's subscriber also carries access changes, so on every node a revoke is
  // applied before any room broadcast published after it (one connection keeps the order).
  if (redis) {
    adapterParts = createRedisAdapter(
      redis,
      log,
      metrics,
      { [ACCESS_CHANGES_CHANNEL]: (raw) => context.accessChanges.receive(raw) },
      {
        subscriberRestored: () => hint('subscriber reconnect', (target) => target.subscriberRestored()),
        publisherRestored: (since) => hint('publisher reconnect', (target) => target.publisherRestored(since)),
      },
    );
  } else log.info('realtime gateway in single-node mode (in-memory adapter; set REDIS_URL or REDIS_SENTINELS to share rooms across nodes)');

  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    serveClient: false,
    maxHttpBufferSize: limits.maxPacketBytes,
    // Restores rooms and replays missed packets after a short disconnect on the same node;
    // across nodes the console re-joins with `since` and gets missed messages from the database.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    ...(adapterParts ? { adapter: adapterParts.adapter } : {}),
  });

  const hints = createResyncHints(io, context.database.prisma, log, catchUp);
  const noteMessage = ({ message }: { message: { conversationId: string } }) => hints.noteMessage(message.conversationId);
  context.events.on('message.created', noteMessage);
  const limiter = createLimiter('socket', limits.eventsPerMinute, redis);
  const syncReads = new ReadCoalescer<Awaited<ReturnType<typeof messagesAfterSeq>>>();
  const postMessage = createMessageGroupCommit({ prisma: context.database.prisma, events: context.events, logger: log });
  const presence = createPresence(io as never, log);
  io.use(socketAuthenticator(context.authenticator, log, metrics) as never);
  io.on('connection', (socket) => {
    const principal = socket.data.principal;
    metrics.connections.inc();
    if (may(principal, 'realtime.adminRoom')) void socket.join(ADMIN_ROOM);
    if (may(principal, 'realtime.operatorRoom')) void socket.join(OPERATOR_ROOM);
    log.debug({ socketId: socket.id, userId: principal.userId, recovered: socket.recovered }, 'socket connected');
    registerSocketHandlers(socket, {
      context,
      logger: log,
      metrics,
      limiter,
      presence,
      maxPayloadBytes: limits.maxPayloadBytes,
      catchUp,
      executions: deps.executions,
      syncReads,
      postMessage,
    });
    socket.on('disconnect', (reason) => {
      metrics.connections.dec();
      log.debug({ socketId: socket.id, reason }, 'socket disconnected');
    });
  });
  // Synchronous: once the listener returns, the sockets have left their rooms.
  const stopAccessChanges = context.accessChanges.onChange((change) => {
    let closed = 0;
    for (const socket of io.of('/').sockets.values()) {
      const principal = socket.data.principal;
      if (change.kind === 'token' ? principal.tokenId === change.tokenId : principal.userId === change.userId) {
        socket.disconnect(true);
        closed += 1;
      }
    }
    if (closed) log.info({ closed, change }, 'disconnected sockets after a revoke or role change');
  });
  const unbridge = bridgeDomainEvents(io, context.events, context.audit, metrics);

  async function revalidate(): Promise<number> {
    let closed = 0;
    for (const socket of io.of('/').sockets.values()) {
      const current = await context.authenticator.authenticate(handshakeToken(socket) ?? '').catch(() => socket.data.principal);
      if (!current || current.role !== socket.data.principal.role) {
        socket.disconnect(true);
        closed += 1;
      }
    }
    if (closed) log.info({ closed }, 'disconnected sockets whose token was revoked');
    return closed;
  }
  const revalidateTimer = setInterval(() => {
    revalidate().catch((error: unknown) => log.warn({ err: error }, 'socket token revalidation failed'));
  }, limits.revalidateEveryMs);
  revalidateTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    io,
    mode: adapterParts ? 'redis' : 'memory',
    revalidate,
    close() {
      closing ??= (async () => {
        clearInterval(revalidateTimer);
        stopAccessChanges();
        unbridge();
        context.events.off('message.created', noteMessage);
        presence.close();
        io.local.disconnectSockets(true);
        io.engine.close();
        // Close the namespace adapters (unsubscribes) without closing the shared HTTP server.
        await Promise.all([...io._nsps.values()].map((namespace) => namespace.adapter.close()));
        await adapterParts?.close();
      })();
      return closing;
    },
  };
}
