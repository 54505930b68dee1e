/**
 * Schedules across nodes with Redis (BullMQ job schedulers) on one PostgreSQL database:
 * (1) two app instances, each with its own pool, Redis connections and worker: a 1 s schedule
 * runs once per interval, not twice — every execution of the probe (counted by the tool
 * itself, not by the runs table) is one recorded run, each slot once, slots an interval apart;
 * (2) a node in its own process is SIGKILLed in the middle of a run: the other node takes the
 * stalled job over (the slot is recorded, by the survivor) and the schedule keeps running.
 * Needs DATABASE_URL and REDIS_URL; Redis keys live under a private prefix, removed after.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { probeToolset, type ProbeState } from './support/probe-toolset.js';

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;
const TEMPLATE = process.env.VIGIE_TEST_PG_TEMPLATE;
const skip =
  !DATABASE_URL || !REDIS_URL || !TEMPLATE ? 'needs DATABASE_URL, REDIS_URL and the migrated template (scripts/run-tests.ts)' : false;

describe('schedules on two nodes with Redis', { skip, timeout: 480_000 }, () => {
  const tag = randomBytes(4).toString('hex');
  const prefix = `h21sched${tag}`;
  const name = `${process.env.VIGIE_TEST_DB_PREFIX ?? 'vigie_test_adhoc'}_h21c_${tag}`;
  const url = Object.assign(new URL(DATABASE_URL ?? 'postgresql://localhost/x'), { pathname: `/${name}` }).toString();
  const databases: Database[] = [];
  const nodes: TestApp[] = [];
  const children: ChildProcess[] = [];
  const state: ProbeState = { down: new Set(), executed: [] };
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  // Test 1 keeps BullMQ's 30 s lock (a loaded node renewing late must not look dead); the survivor (4 s lock) checks for stalled jobs every 2 s.
  const startNode = async (node: string, lockMs = 30_000) => {
    const database = await openDatabase({ backend: 'postgres', url, poolSize: 4 });
    databases.push(database);
    const harness = await startTestApp(database, {
      tools: { toolsets: [probeToolset(state, node)] },
      incidents: { schedules: { redisUrl: REDIS_URL!, redisPrefix: prefix, lockMs, minIntervalMs: 1_000, watchdogMs: 3_600_000, node } },
    });
    nodes.push(harness);
    return harness;
  };
  const runsOf = async (database: Database, id: string) =>
    database.sql.query<{ slot: Date; node: string }>('SELECT slot, node FROM schedule_runs WHERE schedule_id = $1 ORDER BY slot', [id]);

  before(async () => {
    await admin(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const node of nodes) await node.close();
    for (const database of databases) await database.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('two nodes: a 1 s schedule runs once per interval, never twice', async () => {
    const [a, b] = [await startNode('node-a'), await startNode('node-b')];
    await Promise.all([a.app.incidents.schedules.start(), b.app.incidents.schedules.start()]);
    const created = await fetch(`${a.url}/api/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'probe check twice', interval: '1s', name: 'once' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    // Both nodes' watchdogs reconcile (each would upsert a missing scheduler): still one.
    await Promise.all([a.app.incidents.schedules.tick(), b.app.incidents.schedules.tick()]);
    await waitFor(async () => ((await runsOf(databases[0]!, id)).length >= 6 ? true : undefined), 60_000);
    // Stop both workers (each waits for its run in progress), then compare what ran with what was recorded.
    await Promise.all([a.app.incidents.schedules.close(), b.app.incidents.schedules.close()]);
    const executions = state.executed.filter((entry) => entry.target === 'twice');
    const runs = await runsOf(databases[0]!, id);
    assert.equal(
      executions.length,
      runs.length,
      `every execution is one recorded slot (${executions.length} executions, ${runs.length} runs): no slot ran on both nodes`,
    );
    // No interval ran twice: recorded slots are whole intervals apart (a loaded node may skip one, never double one).
    const slotGaps = runs.slice(1).map((run, index) => new Date(run.slot).getTime() - new Date(runs[index]!.slot).getTime());
    assert.ok(
      slotGaps.slice(1).every((gap) => gap >= 1_000 && gap % 1_000 === 0),
      `slots are whole intervals apart: ${slotGaps.join(',')}`,
    );
    assert.equal(new Set(runs.map((run) => new Date(run.slot).getTime())).size, runs.length);
    assert.doesNotMatch(await (await fetch(`${a.url}/metrics`)).text(), /vigie_schedule_runs_total\{status="duplicate"\} [1-9]/);
  });

  it('a node SIGKILLed mid-run does not lose the schedule: the other node takes the slot over and keeps running it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/schedule-node.ts', import.meta.url).pathname], {
      env: {
        ...process.env,
        NODE_DATABASE_URL: url,
        NODE_REDIS_PREFIX: prefix,
        NODE_NAME: 'doomed',
        PROBE_DELAY_MS: '60000',
        TEST_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => (output.includes('ready') ? true : undefined), 180_000);
    // Only the doomed node's worker is taking jobs now (node-a and node-b of the first test stopped theirs).
    const survivor = await startNode('survivor', 4_000);
    const created = await fetch(`${survivor.url}/api/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${survivor.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'probe check killed', interval: '3s', name: 'survives' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    await waitFor(async () => (output.includes('executing killed') ? true : undefined), 60_000);
    // The slot the doomed node is running began at or before this instant (the next one starts an interval later).
    const runningSlotSeenAt = Date.now();
    // The doomed node holds the first slot's job; the survivor's worker starts, then the doomed node dies.
    await survivor.app.incidents.schedules.start();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // Recovering the stalled slot (lock expiry, then the stalled-job check) may finish after later slots on a loaded
    // machine: wait for three runs AND the killed slot; a lost slot never appears and the wait fails.
    let lastRows: Array<{ slot: Date; node: string }> = [];
    const runs = await waitFor(async () => {
      lastRows = await runsOf(databases.at(-1)!, id);
      const killedSlotRecorded = lastRows.some((row) => new Date(row.slot).getTime() <= runningSlotSeenAt);
      return lastRows.length >= 3 && killedSlotRecorded ? lastRows : undefined;
    }, 90_000).catch((error: unknown) => {
      throw new Error(
        `the killed slot (before ${new Date(runningSlotSeenAt).toISOString()}) was never recorded: ${JSON.stringify(lastRows)}`,
        {
          cause: error,
        },
      );
    });
    assert.ok(
      runs.every((run) => run.node === 'survivor'),
      JSON.stringify(runs),
    );
    const firstExecuted = state.executed.find((entry) => entry.target === 'killed' && entry.node === 'survivor');
    assert.ok(firstExecuted, 'the survivor ran the schedule');
    // The slot the doomed node was running was not lost: the survivor recorded it, and it is the schedule's first slot.
    const [earliest] = runs;
    const createdAt = (await databases.at(-1)!.sql.query<{ created_at: Date }>('SELECT created_at FROM schedules WHERE id = $1', [id]))[0]!
      .created_at;
    assert.ok(
      new Date(earliest!.slot).getTime() >= new Date(createdAt).getTime() && new Date(earliest!.slot).getTime() <= runningSlotSeenAt,
      `first slot ${new Date(earliest!.slot).toISOString()}, created ${new Date(createdAt).toISOString()}, killed slot seen ${new Date(runningSlotSeenAt).toISOString()}`,
    );
  });
});
