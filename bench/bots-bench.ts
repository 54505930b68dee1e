/**
 * `npm run bench:bots`: signed `/vigie status` slash commands through Bolt's receiver on our
 * Express server → identity → conversation → routed read tool (system_status) → answer posted
 * to a fake Slack Web API over real HTTP. Baseline in the same run: Bolt's bare receiver
 * acking an empty command. 50 concurrent; one JSON line with p50/p99 to ack and to the answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import bolt from '@slack/bolt';
import express from 'express';
import pg from 'pg';
import { openMigratedDatabase } from '../src/db/database.js';
import { postToSlackEndpoint, slashCommandBody, type SlackCall } from '../test/bots/support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp } from '../test/bots/support/slack-test-app.js';

const CONCURRENCY = 50;
const COMMANDS = Number(process.env.BENCH_BOTS_COMMANDS ?? 500);
const WARMUP = 50;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
};

async function drive(count: number, send: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await send(next++);
  }));
  return count / ((performance.now() - started) / 1000);
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function bareBolt(): Promise<{ url: string; close(): Promise<void> }> {
  const router = express.Router();
  const receiver = new bolt.ExpressReceiver({ signingSecret: SIGNING_SECRET, router, endpoints: '/slack/events' });
  const app = new bolt.App({ token: 'xoxb-bare', receiver, tokenVerificationEnabled: false, botId: 'BBARE', botUserId: 'UBARE' });
  app.command('/vigie', async ({ ack }) => ack());
  const server = http.createServer(express().use(router));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
  // A database of its own on PostgreSQL (dropped afterwards), else embedded PGlite in memory.
  const base = process.env.DATABASE_URL;
  const name = `vigie_bench_bots_${Date.now().toString(36)}`;
  const url = base ? Object.assign(new URL(base), { pathname: `/${name}` }).toString() : undefined;
  if (base) await adminQuery(base, `CREATE DATABASE ${name}`);
  const { database } = await openMigratedDatabase(url ? { backend: 'postgres', url, poolSize: 20 } : { backend: 'pglite' });
  const harness = await startSlackTestApp(database);
  await harness.linkedUser('operator', 'UBENCH');
  const finals = new Map<string, (call: SlackCall) => void>();
  harness.slack.listeners.add((call) => {
    if (call.method === 'chat.postMessage' && call.params.thread_ts) finals.get(String(call.params.channel))?.(call);
  });
  const vigieAck: number[] = [];
  const vigieFinal: number[] = [];
  let failures = 0;
  const sendVigie = (record: boolean) => async (index: number) => {
    const channel = `CB${record ? 'M' : 'W'}${index}`;
    const answered = new Promise<number>((resolve) => finals.set(channel, (call) => resolve(call.at)));
    const body = slashCommandBody({ user: 'UBENCH', channel, text: 'status', trigger: `bench-${record}-${index}-${Date.now()}`, responseUrl: `${harness.slack.url}/response/${index}` });
    const started = performance.now();
    const response = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded');
    const acked = performance.now();
    if (response.status !== 200) failures += 1;
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 30_000).unref());
    const finished = await Promise.race([answered, timeout]);
    finals.delete(channel);
    if (Number.isNaN(finished)) failures += 1;
    if (record) {
      vigieAck.push(acked - started);
      if (!Number.isNaN(finished)) vigieFinal.push(finished - started);
    }
  };
  await drive(WARMUP, sendVigie(false));
  const vigieRate = await drive(COMMANDS, sendVigie(true));
  await harness.close();
  await database.close();
  if (base) await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

  const bare = await bareBolt();
  const bareAck: number[] = [];
  const sendBare = (record: boolean) => async (index: number) => {
    const body = slashCommandBody({ user: 'UBENCH', text: '', trigger: `bare-${index}`, responseUrl: 'http://127.0.0.1:9/none' });
    const started = performance.now();
    const response = await postToSlackEndpoint(bare.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded');
    if (response.status !== 200) failures += 1;
    if (record) bareAck.push(performance.now() - started);
  };
  await drive(WARMUP, sendBare(false));
  const bareRate = await drive(COMMANDS, sendBare(true));
  await bare.close();

  const vigie = { commandsPerSecond: Math.round(vigieRate), ackP50Ms: percentile(vigieAck, 50), ackP99Ms: percentile(vigieAck, 99), finalP50Ms: percentile(vigieFinal, 50), finalP99Ms: percentile(vigieFinal, 99) };
  const baseline = { commandsPerSecond: Math.round(bareRate), ackP50Ms: percentile(bareAck, 50), ackP99Ms: percentile(bareAck, 99) };
  process.stdout.write(
    JSON.stringify({
      suite: 'bots',
      backend: database.backend,
      concurrency: CONCURRENCY,
      commands: COMMANDS,
      failures,
      vigie,
      baseline,
      ratios: { ackP99VsBare: Math.round((vigie.ackP99Ms / baseline.ackP99Ms) * 100) / 100, throughputVsBareAck: Math.round((vigie.commandsPerSecond / baseline.commandsPerSecond) * 100) / 100 },
      floor: { ackP99Ms: 100, met: vigie.ackP99Ms < 100 },
      note: 'vigie throughput counts commands answered end to end (ack + tool + threaded answer); the baseline only acks',
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
