/**
 * Slack Socket Mode (SLACK_APP_TOKEN) behind the `slack-socket-mode` connection lease: with
 * several nodes exactly one holds the WebSocket (Slack spreads deliveries over every open
 * connection of an app, so it would still be handled once, but a single holder keeps the
 * connection count and the failover predictable), and another node opens its own when the
 * holder stops or dies. Envelopes are fed to the same Bolt app as the HTTP endpoint, so
 * commands, events and button clicks take exactly the same listeners (dedupe, identity,
 * roles, rendering); only the ack travels back over the socket instead of an HTTP response.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type App, SocketModeReceiver } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../logger.js';
import { createConnectionLease, type ConnectionLease } from '../connection-lease.js';
import { checkSocketEnvelope } from './slack-socket-envelope.js';
import { slackLogger } from './slack-logger.js';

/** How to run Socket Mode. */
export interface SlackSocketModeOptions {
  /** The Bolt app whose listeners handle what arrives over the socket. */
  app: App;
  /** App-level token (xapp-…) with connections:write. */
  appToken: string;
  /** Web API base for apps.connections.open (tests point it at a fake server). */
  apiUrl?: string | undefined;
  /** Shared Redis: several nodes compete for the lease; unset = this node holds it. */
  redis?: Redis | undefined;
  /** Lease lifetime; a dead holder is replaced after at most this (default 15 s). */
  leaseTtlMs?: number | undefined;
  logger: Logger;
  registry?: Registry | undefined;
}

/** Socket Mode on this node. */
export interface SlackSocketMode {
  lease: ConnectionLease;
  /** True while this node's socket is open (Slack said hello). */
  readonly connected: boolean;
  /** Starts competing for the lease (after the start-up auth.test). */
  start(): void;
  /** Closes the socket and releases the lease for another node. */
  stop(): Promise<void>;
}

const MAX_RETRY_MS = 60_000;

/**
 * The lease is per Slack app: two apps (say staging and production) sharing one Redis each
 * keep their own socket. The app is named by a hash of its token, never the token itself.
 */
export function slackSocketLeaseName(appToken: string): string {
  return `slack-socket-mode:${createHash('sha256').update(appToken).digest('hex').slice(0, 12)}`;
}

/** Builds Socket Mode for `app`; nothing connects until start() and the lease is held. */
export function createSlackSocketMode(options: SlackSocketModeOptions): SlackSocketMode {
  const log = options.logger.child({ component: 'slack-socket-mode' });
  const slackLog = slackLogger(options.logger);
  const apiUrl = options.apiUrl ? (options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`) : undefined;
  /** The receiver of the current holding period; a new one per period, so a late start never reopens an old one. */
  let current: { receiver: SocketModeReceiver; closed: boolean; retry?: NodeJS.Timeout } | undefined;
  let connected = false;

  const build = () => {
    const receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: slackLog,
      installerOptions: {
        clientOptions: {
          ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
          // apps.connections.open: a few quick retries; our own loop retries on a longer backoff.
          retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
        },
      },
    });
    // Check every frame before the client parses it (see slack-socket-envelope.ts).
    const client = receiver.client;
    const original = client.listeners('ws_message');
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: unknown, isBinary: boolean) => {
      const check = checkSocketEnvelope(data, isBinary);
      if (!check.ok) {
        log.warn({ reason: check.reason }, 'malformed slack socket envelope dropped');
        // send() is the client's own ack (private in its typings, public at runtime).
        if (check.envelopeId) (client as unknown as { send(id: string): Promise<void> }).send(check.envelopeId).catch(() => undefined);
        return;
      }
      for (const listener of original) {
        Promise.resolve(listener.call(client, data, isBinary)).catch((error: unknown) =>
          log.error({ err: error }, 'slack socket envelope failed'),
        );
      }
    });
    // State events of a previous holding period's client never flip this one's flag.
    const track = (value: boolean) => () => {
      if (current?.receiver === receiver) connected = value;
    };
    client.on('connected', track(true));
    client.on('reconnecting', track(false));
    client.on('disconnected', track(false));
    receiver.init(options.app);
    return receiver;
  };

  const open = (attempt = 0) => {
    const period = { receiver: build(), closed: false } as NonNullable<typeof current>;
    current = period;
    period.receiver
      .start()
      .then(
        async () => {
          if (period.closed) await period.receiver.stop();
          else log.info('slack socket mode connected: commands, events and interactions arrive over the socket');
        },
        async (error: unknown) => {
          await period.receiver.stop().catch(() => undefined);
          if (period.closed) return;
          const delay = Math.min(MAX_RETRY_MS, 1_000 * 2 ** attempt);
          log.error({ err: error, retryInMs: delay }, 'slack socket mode connection failed; retrying');
          period.retry = setTimeout(() => {
            if (!period.closed && current === period) open(attempt + 1);
          }, delay);
          period.retry.unref();
        },
      )
      .catch((error: unknown) => log.warn({ err: error }, 'closing a superseded slack socket failed'));
  };

  const close = async () => {
    const period = current;
    current = undefined;
    if (!period) return;
    period.closed = true;
    if (period.retry) clearTimeout(period.retry);
    await period.receiver.stop();
    connected = false;
    log.info('slack socket mode closed');
  };

  const lease = createConnectionLease({
    name: slackSocketLeaseName(options.appToken),
    nodeId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    redis: options.redis,
    ...(options.leaseTtlMs ? { ttlMs: options.leaseTtlMs } : {}),
    // Opening must not wait for the connection: the lease serialises open and close.
    onAcquired: () => open(),
    onReleased: close,
    logger: options.logger,
    registry: options.registry,
  });
  let stopped = false;
  return {
    lease,
    get connected() {
      return connected;
    },
    start() {
      // A start after stop (auth.test answering during shutdown) must not reopen anything.
      if (!stopped) lease.start();
    },
    stop() {
      stopped = true;
      return lease.stop();
    },
  };
}
