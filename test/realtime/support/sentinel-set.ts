/**
 * A private Redis Sentinel deployment for the failover test (issue #20): two redis-servers
 * (a primary and its replica) and three `redis-sentinel` processes (quorum 2) watching them
 * under the master name `mymaster`, all on 127.0.0.1 ports the caller chooses, with their
 * files in a temporary directory. Nothing here touches the machine's own Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisProcess } from './redis-process.js';

/** The master name the Sentinels monitor. */
export const MASTER_NAME = 'mymaster';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One short-lived admin connection (no retries), closed after `work`. */
async function withClient<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Polls `probe` until it returns something other than undefined (bounded). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Primary + replica + three Sentinels. */
export class SentinelSet {
  readonly servers: Map<number, RedisProcess>;
  private readonly sentinels = new Map<number, ChildProcess>();
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'vigie-sentinel-'));

  /** `serverPorts`: [primary, replica]; `sentinelPorts`: three ports. */
  constructor(
    readonly serverPorts: [number, number],
    readonly sentinelPorts: [number, number, number],
  ) {
    const [primary, replica] = serverPorts;
    // --dir: a replica writes the RDB it receives from its master; keep it out of the checkout.
    this.servers = new Map([
      [primary, new RedisProcess(primary, undefined, ['--dir', this.dir])],
      [replica, new RedisProcess(replica, undefined, ['--dir', this.dir, '--replicaof', '127.0.0.1', String(primary)])],
    ]);
  }

  /** `REDIS_SENTINELS` for the app. */
  get sentinelList(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** Starts both servers and the Sentinels; resolves once every Sentinel knows the replica and the other two Sentinels. */
  async start(): Promise<void> {
    for (const server of this.servers.values()) await server.start();
    const [primary, replica] = this.serverPorts;
    await until('the replica to sync', () =>
      withClient(replica, async (client) => ((await client.info('replication')).includes('master_link_status:up') ? true : undefined)),
    );
    for (const port of this.sentinelPorts) {
      const file = path.join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.set(port, spawn(process.env.REDIS_SENTINEL_PATH ?? 'redis-sentinel', [file], { stdio: 'ignore' }));
    }
    for (const port of this.sentinelPorts) {
      await until(`sentinel ${port} to see the replica and its peers`, () =>
        withClient(port, async (client) => {
          const replicas = (await client.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
          const peers = (await client.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
          return replicas.length >= 1 && peers.length >= 2 ? true : undefined;
        }),
      );
    }
  }

  /** The master's port as the first Sentinel reports it. */
  async masterPort(): Promise<number> {
    return withClient(this.sentinelPorts[0], async (client) =>
      Number(((await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[])[1]),
    );
  }

  /** Waits until every Sentinel names `port` as master and that server says it is one. */
  async awaitMaster(port: number, timeoutMs = 60_000): Promise<void> {
    await until(
      `every sentinel to name ${port} master`,
      async () => {
        for (const sentinel of this.sentinelPorts) {
          const named = await withClient(sentinel, async (client) =>
            Number(((await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[])[1]),
          );
          if (named !== port) return undefined;
        }
        return (await withClient(port, async (client) => (await client.info('replication')).includes('role:master'))) ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until `port` is a replica of the master with its link up. */
  async awaitReplica(port: number, timeoutMs = 60_000): Promise<void> {
    await until(
      `${port} to replicate`,
      () => withClient(port, async (client) => ((await client.info('replication')).includes('master_link_status:up') ? true : undefined)),
      timeoutMs,
    );
  }

  /** `SENTINEL FAILOVER mymaster` (a forced, graceful failover) on the first Sentinel; resolves with the new master's port. */
  async forceFailover(): Promise<number> {
    const before = await this.masterPort();
    const promoted = this.serverPorts.find((port) => port !== before)!;
    await withClient(this.sentinelPorts[0], (client) => client.call('SENTINEL', 'FAILOVER', MASTER_NAME));
    await this.awaitMaster(promoted);
    return promoted;
  }

  /** SIGKILLs the master; resolves with the new master's port once the Sentinels promoted the replica. */
  async killMaster(): Promise<{ killed: number; promoted: number }> {
    const killed = await this.masterPort();
    const promoted = this.serverPorts.find((port) => port !== killed)!;
    await this.servers.get(killed)!.stop();
    await this.awaitMaster(promoted);
    return { killed, promoted };
  }

  /** Starts a killed server again, empty; the Sentinels turn it into a replica of the current master. */
  async restart(port: number): Promise<void> {
    await this.servers.get(port)!.start();
  }

  /** Connections on `port` holding a pattern subscription (each node's adapter subscriber holds one). */
  patternSubscribers(port: number): Promise<number> {
    return withClient(
      port,
      async (client) =>
        String(await client.call('CLIENT', 'LIST'))
          .split('\n')
          .filter((line) => /\bpsub=[1-9]/.test(line)).length,
    );
  }

  /** Stops everything and removes the files. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.sentinels.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    for (const server of this.servers.values()) await server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
