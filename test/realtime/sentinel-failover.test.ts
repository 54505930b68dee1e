/**
 * Redis Sentinel under traffic (issue #20). Two Vigie nodes as separate processes, on one
 * PostgreSQL database and a private Sentinel deployment (primary + replica redis-servers and
 * three `redis-sentinel`s, test/realtime/support/sentinel-set.ts), configured with
 * REDIS_SENTINELS only: no REDIS_URL, so every Redis client of theirs (socket adapter,
 * BullMQ, schedules, rate limits, access changes) has to find the master through Sentinel.
 * Four clients (two per node, both rooms each) send with clientMessageIds while the test
 * forces a failover (`SENTINEL FAILOVER mymaster`), then SIGKILLs the new master so the
 * Sentinels fail back over, then restarts it as a replica. The clients use the console's
 * SeqSync and nothing else fills their gaps.
 *
 * At the end every acked message is stored, every client holds every stored message of its
 * rooms exactly once and in order, and both nodes' adapters are subscribed on the final
 * master (cross-node delivery resumed). Prints one JSON line with the figures.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { apiClient } from '../support/http-client.js';
import { ChaosClient, deliveryReport } from './support/chaos-client.js';
import { startNode, type NodeProcess } from './support/cluster.js';
import { SentinelSet } from './support/sentinel-set.js';

// Ports from this test's private range (27200–27299).
const SERVER_PORTS: [number, number] = [27_201, 27_202];
const SENTINEL_PORTS: [number, number, number] = [27_211, 27_212, 27_213];
const BASE_URL = process.env.DATABASE_URL;

/** True when `name` is an executable file in PATH (or is an absolute path to one). */
function onPath(name: string): boolean {
  const candidates = path.isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  return candidates.some((candidate) => existsSync(candidate));
}

const skip = !BASE_URL
  ? 'set DATABASE_URL (and have redis-server and redis-sentinel installed) to run the Sentinel failover test'
  : !onPath(process.env.REDIS_SENTINEL_PATH ?? 'redis-sentinel')
    ? 'redis-sentinel not found (Debian: apt-get install redis-sentinel; or set REDIS_SENTINEL_PATH)'
    : false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function storedRows(store: pg.Client, rooms: string[]): Promise<Map<string, Array<{ id: string; seq: number }>>> {
  const stored = new Map<string, Array<{ id: string; seq: number }>>();
  for (const room of rooms)
    stored.set(room, (await store.query('SELECT id, seq FROM messages WHERE conversation_id = $1 ORDER BY seq', [room])).rows);
  return stored;
}

describe('Redis Sentinel failover under traffic (REDIS_SENTINELS)', { skip, timeout: 600_000 }, () => {
  const adminToken = `vig_sentinel_${randomUUID().replaceAll('-', '')}`;
  const databaseName = `hs_sentinel_${randomBytes(5).toString('hex')}`;
  let databaseUrl: string;
  const sentinels = new SentinelSet(SERVER_PORTS, SENTINEL_PORTS);
  const nodes: NodeProcess[] = [];

  before(async () => {
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    const template = process.env.VIGIE_TEST_PG_TEMPLATE;
    await admin.query(template ? `CREATE DATABASE ${databaseName} TEMPLATE ${template}` : `CREATE DATABASE ${databaseName}`);
    await admin.end();
    const url = new URL(BASE_URL!);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
    await sentinels.start();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: '',
      REDIS_SENTINELS: sentinels.sentinelList,
      REDIS_SENTINEL_NAME: 'mymaster',
      ADMIN_TOKEN: adminToken,
      DATABASE_POOL_SIZE: '4',
    };
    // The first node migrates; the second starts on the migrated database.
    nodes[0] = await startNode(env);
    nodes[1] = await startNode(env);
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node?.stop()));
    await sentinels.stop();
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin
      .query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
      .catch((error: Error) => process.stderr.write(`drop ${databaseName}: ${error.message}\n`));
    await admin.end();
  });

  it('loses nothing across a forced failover and a killed master: every client holds every stored message once and in order', async () => {
    const api = apiClient(nodes[0]!.url, adminToken);
    const rooms = [
      (await api.post('/api/conversations', { title: 'sentinel one' })).body.id,
      (await api.post('/api/conversations', { title: 'sentinel two' })).body.id,
    ];
    const clients = [0, 1, 2, 3].map((index) => new ChaosClient(`s${index}`, nodes[index % 2]!.url, adminToken, rooms));
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.socket.once('connect', () => resolve()))));
    const firstMaster = await sentinels.masterPort();
    // Both adapters subscribed through Sentinel before any traffic.
    for (let waited = 0; (await sentinels.patternSubscribers(firstMaster)) < 2; waited += 250) {
      assert.ok(waited < 30_000, "the nodes' adapters never subscribed on the master");
      await sleep(250);
    }
    await sleep(1_000);
    const started = Date.now();
    const running = clients.map((client) => client.run());
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

    await sleep(4_000);
    mark(`SENTINEL FAILOVER (master ${firstMaster})`);
    const second = await sentinels.forceFailover();
    mark(`${second} promoted`);
    await sleep(6_000);
    const { killed, promoted } = await sentinels.killMaster();
    mark(`master ${killed} SIGKILLed, ${promoted} promoted`);
    await sleep(2_000);
    await sentinels.restart(killed);
    await sentinels.awaitReplica(killed);
    mark(`${killed} back as a replica`);
    await sleep(6_000);
    for (const client of clients) client.stop();
    await Promise.all(running);
    mark('traffic stopped');

    // Converge on their own: no forced sync, only what the clients do by themselves.
    const store = new pg.Client({ connectionString: databaseUrl });
    await store.connect();
    let stored = await storedRows(store, rooms);
    const complete = () =>
      clients.every((client) => rooms.every((room) => (client.sync.lastSeq(room) ?? 0) >= (stored.get(room)!.at(-1)?.seq ?? 0)));
    for (let waited = 0; !complete() && waited < 60_000; waited += 250) await sleep(250);
    // Messages stored after the first read (agent answers) count too.
    stored = await storedRows(store, rooms);
    for (let waited = 0; !complete() && waited < 30_000; waited += 250) await sleep(250);
    const ackedIds = clients.flatMap((client) => [...client.acked]);
    const ackedStored = (await store.query('SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[])', [ackedIds])).rows[0]
      .n as number;
    await store.end();
    const finalMaster = await sentinels.masterPort();
    const patterns = await sentinels.patternSubscribers(finalMaster);
    const patternsByServer = Object.fromEntries(
      await Promise.all(SERVER_PORTS.map(async (port) => [port, await sentinels.patternSubscribers(port).catch(() => -1)] as const)),
    );

    const storedTotal = rooms.reduce((sum, room) => sum + stored.get(room)!.length, 0);
    const perClient = deliveryReport(clients, rooms, stored);
    process.stdout.write(
      `${JSON.stringify({
        test: 'sentinel-failover',
        clients: clients.length,
        sent: clients.reduce((sum, client) => sum + client.sent, 0),
        acked: ackedIds.length,
        ackedStored,
        stored: storedTotal,
        perClient,
        missing: perClient.reduce((sum, row) => sum + row.missing, 0),
        duplicated: perClient.reduce((sum, row) => sum + row.duplicated, 0),
        outOfOrder: perClient.reduce((sum, row) => sum + row.outOfOrder, 0),
        finalMaster,
        patternSubscriptionsOnFinalMaster: patterns,
        patternSubscriptionsByServer: patternsByServer,
        timeline,
      })}\n`,
    );
    for (const client of clients) client.close();

    assert.equal(finalMaster, promoted, 'the Sentinels promoted the replica of the killed master');
    assert.ok(patterns >= 2, `both nodes' adapters resubscribed on the final master (${patterns} patterns)`);
    assert.ok(storedTotal > 0);
    assert.equal(ackedStored, ackedIds.length, 'an acked message is not stored');
    for (const row of perClient) {
      assert.equal(row.missing, 0, `${row.client} misses stored messages`);
      assert.equal(row.duplicated, 0, `${row.client} holds duplicates`);
      assert.equal(row.outOfOrder, 0, `${row.client} holds messages out of order`);
      assert.equal(row.received, storedTotal, `${row.client} holds other messages than the stored ones`);
    }
    for (const room of rooms)
      assert.deepEqual(
        stored.get(room)!.map((row) => row.seq),
        Array.from({ length: stored.get(room)!.length }, (_, index) => index + 1),
      );
  });
});
