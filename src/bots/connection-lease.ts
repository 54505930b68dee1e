/**
 * A chat platform's long-lived connection (Slack Socket Mode, the Discord gateway) must be
 * held by exactly one node: two nodes on the same socket would each run every command. A
 * Redis lease (SET NX PX, renewed by its holder with a compare-and-expire script) elects
 * the holder; when it stops or dies, its lease expires and another node takes over. Without
 * Redis (a single node) the lease is simply held.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { gauge as gaugeMetric } from '../core/metrics.js';

/** Renews the lease only while this node still holds it. */
const RENEW_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
/** Releases the lease only if this node holds it. */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** How to build a lease. */
export interface ConnectionLeaseOptions {
  /** Name of the connection, e.g. `slack-socket-mode`; the Redis key is `vigie:lease:<name>`. */
  name: string;
  /** This node's identity (unique per process). */
  nodeId: string;
  /** Shared Redis; unset = single node, the lease is held at once. */
  redis?: Redis | undefined;
  /** How long a lease lives without renewal; a dead holder is replaced after at most this. */
  ttlMs?: number;
  /** Called when this node becomes the holder: open the connection. */
  onAcquired: () => Promise<void> | void;
  /** Called when this node stops holding (lost or stopping): close the connection. */
  onReleased: () => Promise<void> | void;
  logger: Logger;
  registry?: Registry | undefined;
}

/** A running lease loop. */
export interface ConnectionLease {
  /** True while this node holds the lease (and its connection should be open). */
  readonly held: boolean;
  /** Starts competing for the lease. */
  start(): void;
  /** Stops competing, closes the connection if held and releases the lease for another node. */
  stop(): Promise<void>;
}

/** Builds a lease; nothing happens until start(). */
export function createConnectionLease(options: ConnectionLeaseOptions): ConnectionLease {
  const ttlMs = options.ttlMs ?? 15_000;
  const key = `vigie:lease:${options.name}`;
  const gauge = gaugeMetric(options.registry, {
    name: 'vigie_bot_connection_lease_held',
    help: 'Whether this node holds the chat connection lease (1) or not (0)',
    labelNames: ['connection'],
  });
  const log = options.logger.child({ connection: options.name, nodeId: options.nodeId });
  let held = false;
  // A node that never wins the lease reports 0, not nothing.
  gauge.set({ connection: options.name }, 0);
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let lastRenewal = 0;
  let transition: Promise<void> = Promise.resolve();

  const setHeld = (value: boolean) => {
    if (held === value) return;
    held = value;
    gauge.set({ connection: options.name }, value ? 1 : 0);
    const hook = value ? options.onAcquired : options.onReleased;
    log.info(
      value ? 'connection lease acquired: this node opens the connection' : 'connection lease released: this node closes the connection',
    );
    // Hooks run one after another, so an open never overlaps the close before it.
    transition = transition
      .then(() => hook())
      .catch((error: unknown) =>
        log.error({ err: error }, value ? 'opening the leased connection failed' : 'closing the leased connection failed'),
      );
  };

  const tick = async () => {
    const redis = options.redis;
    if (!redis) return;
    try {
      if (held) {
        const renewed = Number(await redis.eval(RENEW_SCRIPT, 1, key, options.nodeId, String(ttlMs)));
        if (renewed === 1) lastRenewal = Date.now();
        else setHeld(false);
      } else if ((await redis.set(key, options.nodeId, 'PX', ttlMs, 'NX')) === 'OK') {
        lastRenewal = Date.now();
        if (stopped) await redis.eval(RELEASE_SCRIPT, 1, key, options.nodeId);
        else setHeld(true);
      }
    } catch (error) {
      log.warn({ err: error }, 'connection lease check failed');
      // Redis unreachable: once our lease may have expired, another node may hold it.
      if (held && Date.now() - lastRenewal >= ttlMs) setHeld(false);
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        void tick().finally(schedule);
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    timer.unref();
  };

  return {
    get held() {
      return held;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      if (!options.redis) {
        setHeld(true);
        return;
      }
      void tick().finally(schedule);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const wasHeld = held;
      setHeld(false);
      await transition;
      if (wasHeld && options.redis) {
        await options.redis
          .eval(RELEASE_SCRIPT, 1, key, options.nodeId)
          .catch((error: unknown) => log.warn({ err: error }, 'connection lease release failed; it expires by itself'));
      }
    },
  };
}
