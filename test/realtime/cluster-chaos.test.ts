/**
 * The chaos test of issue #20: two Vigie nodes as separate processes on a private
 * PostgreSQL and a private redis-server that this test owns; clients on both nodes, in two
 * shared rooms, send continuously with clientMessageIds (retrying with the same id until
 * acked) while Redis is stopped for 15 s, node B is SIGKILLed and restarted, and PostgreSQL
 * is stopped for 10 s. The clients track seqs with the console's own SeqSync (gap
 * detection, resync hints, catch-up on reconnect), and nothing else fills their gaps.
 *
 * At the end every client holds every stored message of its rooms exactly once and in seq
 * order, and every acked message is stored. Prints one JSON line with the figures.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { apiClient } from '../support/http-client.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { ChaosClient, deliveryReport } from './support/chaos-client.js';
import { startNode, type NodeProcess } from './support/cluster.js';
import { RedisProcess } from './support/redis-process.js';

// Ports from this feature's range (41600–41799), so parallel suites never collide.
const PG_PORT = 41_601;
const REDIS_PORT = 41_602;
const NODE_PORTS = [41_610, 41_611] as const;
const TRAFFIC_MS = Number(process.env.CHAOS_TRAFFIC_MS ?? 60_000);
const PG_BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

const skip = !process.env.DATABASE_URL
  ? 'set DATABASE_URL (the PostgreSQL variants run in CI) to run the cluster chaos test'
  : !existsSync(`${PG_BIN}/initdb`)
    ? `no initdb in ${PG_BIN} (set PG_BIN_DIR)`
    : false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cluster chaos: Redis stop, node SIGKILL, PostgreSQL stop under traffic', { skip, timeout: 900_000 }, () => {
  const adminToken = `vig_chaos_${randomUUID().replaceAll('-', '')}`;
  let postgres: PrivatePostgres;
  let redis: RedisProcess;
  let databaseUrl: string;
  const nodes: NodeProcess[] = [];
  let env: Record<string, string>;

  before(async () => {
    postgres = await startPrivatePostgres(PG_PORT);
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE vigie_chaos');
    await admin.end();
    databaseUrl = postgres.url.replace(/\/postgres$/, '/vigie_chaos');
    redis = new RedisProcess(REDIS_PORT);
    await redis.start();
    env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      DATABASE_POOL_SIZE: '4',
    };
    // The first node migrates; the second starts on the migrated database.
    nodes[0] = await startNode({ ...env, PORT: String(NODE_PORTS[0]) });
    nodes[1] = await startNode({ ...env, PORT: String(NODE_PORTS[1]) });
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node?.stop()));
    await redis?.stop();
    await postgres?.destroy();
  });

  it('loses nothing: every client holds every stored message of its rooms once and in order', async () => {
    const api = apiClient(nodes[0]!.url, adminToken);
    const rooms = [
      (await api.post('/api/conversations', { title: 'chaos one' })).body.id,
      (await api.post('/api/conversations', { title: 'chaos two' })).body.id,
    ];
    const clients = [0, 1, 2, 3].map((index) => new ChaosClient(`c${index}`, nodes[index % 2]!.url, adminToken, rooms));
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.socket.once('connect', () => resolve()))));
    await sleep(1_000);
    const started = Date.now();
    const running = clients.map((client) => client.run());
    const at = (ms: number) => sleep(Math.max(0, started + ms - Date.now()));
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

    await at(5_000);
    await redis.stop();
    mark('redis stopped');
    await at(20_000);
    await redis.start();
    mark('redis started');
    await at(25_000);
    nodes[1]!.child.kill('SIGKILL');
    mark('node B killed');
    nodes[1] = await startNode({ ...env, PORT: String(NODE_PORTS[1]) });
    mark('node B ready');
    await at(Math.max(35_000, Date.now() - started + 2_000));
    await postgres.stop();
    mark('postgres stopped');
    await sleep(10_000);
    await postgres.start();
    mark('postgres started');
    await at(Math.max(TRAFFIC_MS, Date.now() - started + 8_000));
    for (const client of clients) client.stop();
    await Promise.all(running);
    mark('traffic stopped');

    // Converge on their own: no forced sync, only what the clients do by themselves.
    const store = new pg.Client({ connectionString: databaseUrl });
    await store.connect();
    const stored = new Map<string, Array<{ id: string; seq: number }>>();
    for (const room of rooms)
      stored.set(room, (await store.query('SELECT id, seq FROM messages WHERE conversation_id = $1 ORDER BY seq', [room])).rows);
    const complete = () =>
      clients.every((client) => rooms.every((room) => (client.sync.lastSeq(room) ?? 0) >= (stored.get(room)!.at(-1)?.seq ?? 0)));
    for (let waited = 0; !complete() && waited < 60_000; waited += 250) await sleep(250);
    // Messages stored after the first read (agent answers) count too.
    for (const room of rooms)
      stored.set(room, (await store.query('SELECT id, seq FROM messages WHERE conversation_id = $1 ORDER BY seq', [room])).rows);
    for (let waited = 0; !complete() && waited < 30_000; waited += 250) await sleep(250);
    const ackedIds = clients.flatMap((client) => [...client.acked]);
    const ackedStored = (await store.query('SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[])', [ackedIds])).rows[0]
      .n as number;
    await store.end();

    const storedTotal = rooms.reduce((sum, room) => sum + stored.get(room)!.length, 0);
    const perClient = deliveryReport(clients, rooms, stored);
    const figures = {
      test: 'cluster-chaos',
      clients: clients.length,
      sent: clients.reduce((sum, client) => sum + client.sent, 0),
      acked: ackedIds.length,
      ackedStored,
      stored: storedTotal,
      perClient,
      missing: perClient.reduce((sum, row) => sum + row.missing, 0),
      duplicated: perClient.reduce((sum, row) => sum + row.duplicated, 0),
      outOfOrder: perClient.reduce((sum, row) => sum + row.outOfOrder, 0),
      timeline,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    for (const client of clients) client.close();

    assert.ok(storedTotal > 0);
    assert.equal(ackedStored, ackedIds.length, 'an acked message is not stored');
    for (const row of perClient) {
      assert.equal(row.missing, 0, `${row.client} misses stored messages`);
      assert.equal(row.duplicated, 0, `${row.client} holds duplicates`);
      assert.equal(row.outOfOrder, 0, `${row.client} holds messages out of order`);
      assert.equal(row.received, storedTotal, `${row.client} holds other messages than the stored ones`);
    }
    // Each room's stored seqs are 1..n with no holes (nothing was deleted).
    for (const room of rooms)
      assert.deepEqual(
        stored.get(room)!.map((row) => row.seq),
        Array.from({ length: stored.get(room)!.length }, (_, index) => index + 1),
      );
  });
});
