/**
 * `npm run bench:bots`: signed `/vigie status` slash commands through Bolt's receiver on our
 * Express server → identity → conversation → routed read tool (system_status) → answer posted
 * to a fake Slack Web API over real HTTP. Baseline in the same run: Bolt's bare receiver
 * acking an empty command. 50 concurrent; one JSON line with p50/p99 to ack and to the answer.
 * The load generator and the fake Slack run in a worker thread (bench/support/bots-load-worker.ts),
 * so the server's event loop is the app's alone, as in production where Slack is remote.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import bolt from '@slack/bolt';
import express from 'express';
import { openBenchDatabase } from './support/bench-database.js';
import { SIGNING_SECRET, startSlackTestApp } from '../test/bots/support/slack-test-app.js';
import type { LoadFigures, LoadTask } from './support/bots-load-worker.js';

const CONCURRENCY = 50;
const COMMANDS = Number(process.env.BENCH_BOTS_COMMANDS ?? 500);
const WARMUP = 50;
/** The server's bound on turns after their ack (SLACK_CONCURRENT_TURNS, default 32 as in config.ts). */
const CONCURRENT_TURNS = Number(process.env.SLACK_CONCURRENT_TURNS ?? 32);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
};

/** Runs one load task in the worker and waits for its figures. */
async function load(worker: Worker, task: Omit<LoadTask, 'secret' | 'count' | 'warmup' | 'concurrency'>): Promise<LoadFigures> {
  worker.postMessage({ ...task, secret: SIGNING_SECRET, count: COMMANDS, warmup: WARMUP, concurrency: CONCURRENCY } satisfies LoadTask);
  const [figures] = (await once(worker, 'message')) as [LoadFigures];
  return figures;
}

async function bareBolt(): Promise<{ url: string; close(): Promise<void> }> {
  const router = express.Router();
  const receiver = new bolt.ExpressReceiver({ signingSecret: SIGNING_SECRET, router, endpoints: '/slack/events' });
  const app = new bolt.App({ token: 'xoxb-bare', receiver, tokenVerificationEnabled: false, botId: 'BBARE', botUserId: 'UBARE' });
  app.command('/vigie', async ({ ack }) => ack());
  const server = http.createServer(express().use(router));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  // A database of its own on PostgreSQL (dropped afterwards), else embedded PGlite in memory.
  const bench = await openBenchDatabase('vigie_bench_bots', { poolSize: 20, embeddedWithoutUrl: true });
  const { database } = bench;
  // Loader hooks of the main thread do not reach worker threads on Node 20: register tsx in it first.
  const entry = new URL('./support/bots-load-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
  let measured: LoadFigures;
  try {
    const [{ apiUrl }] = (await once(worker, 'message')) as [{ apiUrl: string }];
    const harness = await startSlackTestApp(database, { config: { SLACK_API_URL: apiUrl, SLACK_CONCURRENT_TURNS: CONCURRENT_TURNS } });
    await harness.linkedUser('operator', 'UBENCH');
    measured = await load(worker, { url: harness.eventsUrl, kind: 'vigie' });
    await harness.close();
  } finally {
    // Dropped even when the run fails, so failed runs leave no database behind.
    await bench.close();
  }

  const bare = await bareBolt();
  const bareFigures = await load(worker, { url: bare.url, kind: 'bare' });
  await bare.close();
  worker.postMessage('close');
  const failures = measured.failures + bareFigures.failures;
  const [vigieAck, vigieFinal, bareAck] = [measured.ack, measured.final, bareFigures.ack];
  const [vigieRate, bareRate] = [measured.commandsPerSecond, bareFigures.commandsPerSecond];

  const vigie = {
    commandsPerSecond: Math.round(vigieRate),
    ackP50Ms: percentile(vigieAck, 50),
    ackP99Ms: percentile(vigieAck, 99),
    finalP50Ms: percentile(vigieFinal, 50),
    finalP99Ms: percentile(vigieFinal, 99),
  };
  const baseline = { commandsPerSecond: Math.round(bareRate), ackP50Ms: percentile(bareAck, 50), ackP99Ms: percentile(bareAck, 99) };
  process.stdout.write(
    JSON.stringify({
      suite: 'bots',
      backend: database.backend,
      concurrency: CONCURRENCY,
      concurrentTurns: CONCURRENT_TURNS,
      commands: COMMANDS,
      failures,
      vigie,
      baseline,
      ratios: {
        ackP99VsBare: Math.round((vigie.ackP99Ms / baseline.ackP99Ms) * 100) / 100,
        throughputVsBareAck: Math.round((vigie.commandsPerSecond / baseline.commandsPerSecond) * 100) / 100,
      },
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
