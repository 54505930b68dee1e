/**
 * Serialises applies and rollbacks on one interface, in this process and across every Vigie
 * node sharing the PostgreSQL database. A waiter waits at most a bound (QOS_LOCK_WAIT_SECONDS)
 * and then fails with QosInterfaceBusyError, having changed nothing: an operator retries a
 * clear refusal, whereas an unbounded queue would run a stale change minutes later.
 *
 * What is locked is the tc state, which lives in one kernel network namespace: the key is
 * the kernel (boot id) + the namespace (its inode) + the interface name. Two processes on one
 * machine, or containers sharing its network namespace, serialise; nodes on other machines
 * shaping their own `eth1` do not block each other. The database is only the lock manager.
 */
import { createHash } from 'node:crypto';
import { readFile, readlink, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { SqlRunner } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';

/** First key of QoS locks in PostgreSQL's two-key advisory lock space ("qos "), apart from single-key users. */
export const QOS_LOCK_CLASS = 0x716f7320;

/** Default bound on waiting for an interface (below the qos_apply and qos_rollback tool timeouts). */
export const DEFAULT_LOCK_WAIT_MS = 60_000;

/** Another apply or rollback held the interface for longer than the bound; nothing was changed. */
export class QosInterfaceBusyError extends AppError {
  constructor(
    readonly interfaceName: string,
    readonly waitedMs: number,
  ) {
    super(
      'qos_interface_busy',
      409,
      `Interface ${interfaceName} is busy: another QoS apply or rollback on it (on this node or another node sharing the database) did not finish within ${Math.round(waitedMs / 100) / 10} s; nothing was changed, try again`,
    );
  }
}

/** What is locked: an interface, in the network namespace the engine's commands run in. */
export interface LockTarget {
  interface: string;
  namespace?: string | undefined;
}

/** Runs work while holding an interface. */
export interface InterfaceLock {
  /** `process`: this process only (PGlite, memory); `database`: every node on the PostgreSQL database. */
  readonly scope: 'process' | 'database';
  /**
   * Runs `work` holding `target`; waits at most the lock's bound, then rejects with
   * QosInterfaceBusyError. Waiters in one process are served in the order they called.
   */
  run<T>(target: LockTarget, work: () => Promise<T>): Promise<T>;
}

function localKey(target: LockTarget): string {
  return `${target.namespace ?? ''}/${target.interface}`;
}

/** A FIFO, bounded, per-interface lock inside this process (the only lock PGlite needs: one process). */
export function createProcessInterfaceLock(options: { waitMs?: number } = {}): InterfaceLock {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const tails = new Map<string, Promise<void>>();

  // Synchronous up to the returned promise, so callers queue in the order they called.
  function acquire(target: LockTarget, bound: number): Promise<() => void> {
    const key = localKey(target);
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return new Promise((resolve, reject) => {
      let abandoned = false;
      const timer = setTimeout(
        () => {
          abandoned = true;
          release(); // the next waiter goes straight after `previous`
          reject(new QosInterfaceBusyError(target.interface, bound));
        },
        Math.max(0, bound),
      );
      void previous.then(() => {
        if (abandoned) return;
        clearTimeout(timer);
        resolve(release);
      });
    });
  }

  return {
    scope: 'process',
    async run(target, work) {
      const release = await acquire(target, waitMs);
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

const NETNS_RUN_DIR = '/run/netns';

/**
 * Identifies the tc state a runner changes: kernel boot id + network namespace inode, falling
 * back to the host name and the namespace name where /proc or /run/netns cannot be read.
 */
export async function tcScopeIdentity(namespace?: string): Promise<string> {
  const kernel = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
    (text) => `boot:${text.trim()}`,
    () => `host:${hostname()}`,
  );
  const network = namespace
    ? await stat(path.join(NETNS_RUN_DIR, namespace)).then(
        (info) => `netns-inode:${info.ino}`,
        () => `netns-name:${namespace}`,
      )
    : await readlink('/proc/self/ns/net').then(
        (link) => link,
        () => 'net:self',
      );
  return `${kernel}/${network}`;
}

/** The second advisory-lock key of an interface in a tc scope (a 32-bit hash; a collision only over-serialises). */
export function interfaceLockKey(identity: string, interfaceName: string): number {
  return createHash('sha256').update(`${identity}\0${interfaceName}`).digest().readInt32BE(0);
}

/** PostgreSQL's "lock_not_available", raised when lock_timeout expires. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The cross-node lock: the process lock first (one waiting connection per interface per
 * node), then `pg_advisory_xact_lock(QOS_LOCK_CLASS, key)` in a transaction kept open for the
 * work, with `lock_timeout` set to what is left of the bound. The lock goes with the
 * transaction: released at the end of the work, or by the server if the node dies.
 * The work's own writes go through other connections and are committed before release.
 */
export function createAdvisoryInterfaceLock(
  sql: SqlRunner,
  options: { waitMs?: number; identity?: (namespace?: string) => Promise<string> } = {},
): InterfaceLock {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const identity = options.identity ?? tcScopeIdentity;
  const local = createProcessInterfaceLock({ waitMs });
  return {
    scope: 'database',
    run(target, work) {
      const started = Date.now();
      return local.run(target, async () => {
        const key = interfaceLockKey(await identity(target.namespace), target.interface);
        const remaining = waitMs - (Date.now() - started);
        if (remaining < 1) throw new QosInterfaceBusyError(target.interface, waitMs);
        return sql.transaction(async (tx) => {
          // lock_timeout bounds the wait; the transaction stays idle while tc runs, so no idle timeout.
          await tx.query("SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', '0', true)", [
            `${Math.ceil(remaining)}ms`,
          ]);
          try {
            await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [QOS_LOCK_CLASS, key]);
          } catch (error) {
            if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw new QosInterfaceBusyError(target.interface, waitMs);
            throw error;
          }
          return work();
        });
      });
    },
  };
}
