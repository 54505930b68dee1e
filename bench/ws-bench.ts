/**
 * `npm run bench:ws`: message fan-out over Socket.IO. N clients (WS_BENCH_CLIENTS, default
 * 2,000) in rooms of 100; one sender per room. For each setup (a bare Socket.IO server as
 * the ceiling, one Vigie node, two Vigie nodes through Redis) it measures:
 * - latency: end-to-end send → every receiver, at a moderate fixed rate (p50/p99);
 * - throughput: deliveries per second with every sender keeping a few sends in flight;
 * - resident memory per idle connection of the server process(es).
 * Vigie's path is the real one: token auth, zod, rate limits, the message stored in
 * PostgreSQL (idempotent), then broadcast. Prints one JSON line with ratios.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { RedisProcess, freePort } from '../test/realtime/support/redis-process.js';
import { rssBytes } from './support/proc-stats.js';
import {
  CLIENTS,
  PHASE_MS,
  ROOMS,
  ROOM_SIZE,
  WINDOW,
  connect,
  cpuBetween,
  inBatches,
  percentile,
  round,
  sampleCpu,
  sleep,
  startVigie,
  type Target,
} from './ws-bench-support.js';

const LATENCY_RATE = Number(process.env.WS_BENCH_LATENCY_RATE ?? 40); // messages/s over all rooms (capped at half the throughput)

async function startBare(): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'ws-bare-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  return {
    urls: [url],
    pids: [child.pid!],
    kind: 'bare',
    stop: () =>
      new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
  };
}

async function runScenario(name: string, target: Target) {
  // Rooms: Vigie conversations created over REST; bare rooms are plain names.
  const rooms: string[] = [];
  for (let index = 0; index < ROOMS; index += 1) {
    if (target.kind === 'bare') rooms.push(`room-${index}`);
    else {
      const response = await fetch(`${target.urls[0]}/api/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `bench room ${index}` }),
      });
      rooms.push(((await response.json()) as { id: string }).id);
    }
  }
  await sleep(500);
  const rssBefore = target.pids.map(rssBytes);
  const latencies: number[] = [];
  const remoteLatencies: number[] = [];
  const localLatencies: number[] = [];
  let received = 0;
  let otherReceived = 0;
  const receivers = await inBatches(CLIENTS, 100, async (index) => {
    const nodeIndex = index % target.urls.length;
    const socket = await connect(target.urls[nodeIndex]!, target.token);
    const room = rooms[Math.floor(index / ROOM_SIZE) % ROOMS]!;
    const ack =
      target.kind === 'bare'
        ? await socket.emitWithAck('join', room)
        : await socket.emitWithAck('conversation:join', { conversationId: room });
    if (ack !== true && !ack?.data) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    socket.on('message:new', ({ message }: { message: { content: string } | string }) => {
      const content = typeof message === 'string' ? message : message.content;
      // Vigie's agent answers each user message; its replies are counted apart.
      if (!content.startsWith('b:')) {
        otherReceived += 1;
        return;
      }
      const sentAt = Number(content.split(':')[1]);
      const latency = performance.now() - sentAt;
      received += 1;
      latencies.push(latency);
      // With two nodes, senders are on the last node: receivers elsewhere are cross-node.
      if (target.urls.length > 1) (nodeIndex === target.urls.length - 1 ? localLatencies : remoteLatencies).push(latency);
    });
    return socket;
  });
  await sleep(2_000);
  const rssIdle = target.pids.map(rssBytes);
  const senderUrl = target.urls[target.urls.length - 1]!;
  const senders = await inBatches(ROOMS, 50, () => connect(senderUrl, target.token));
  let sequence = 0;
  const send = (roomIndex: number) => {
    const content = `b:${performance.now()}:${(sequence += 1)}`;
    return target.kind === 'bare'
      ? senders[roomIndex]!.emitWithAck('send', { room: rooms[roomIndex], message: content })
      : senders[roomIndex]!.emitWithAck('message:send', { conversationId: rooms[roomIndex], content, clientMessageId: randomUUID() });
  };

  // Warm-up.
  await Promise.all(rooms.map((_, index) => send(index)));
  await sleep(1_000);
  // Throughput: every room keeps WINDOW sends in flight for PHASE_MS; deliveries counted until drained.
  received = 0;
  otherReceived = 0;
  let sent = 0;
  const cpuStart = sampleCpu(target.pids);
  const throughputStart = performance.now();
  const stopAt = throughputStart + PHASE_MS;
  await Promise.all(
    rooms.map(async (_, roomIndex) => {
      await Promise.all(
        Array.from({ length: WINDOW }, async () => {
          while (performance.now() < stopAt) {
            await send(roomIndex);
            sent += 1;
          }
        }),
      );
    }),
  );
  const expected = sent * ROOM_SIZE;
  const drainDeadline = performance.now() + 30_000;
  while (received < expected && performance.now() < drainDeadline) await sleep(20);
  const elapsed = (performance.now() - throughputStart) / 1000;
  const throughputReceived = received;
  const throughputCpu = cpuBetween(cpuStart, sampleCpu(target.pids));
  const throughputOther = otherReceived;

  latencies.length = 0;
  remoteLatencies.length = 0;
  localLatencies.length = 0;
  // Latency at a fixed rate well below saturation: at most half the measured throughput.
  const latencyRate = Math.max(1, Math.min(LATENCY_RATE, sent / elapsed / 2));
  const interval = 1_000 / latencyRate;
  const latencyEnd = performance.now() + PHASE_MS;
  const pending: Promise<unknown>[] = [];
  for (let tick = 0; performance.now() < latencyEnd; tick += 1) {
    pending.push(send(tick % ROOMS));
    const next = tick * interval + (latencyEnd - PHASE_MS) + interval;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(pending);
  await sleep(1_000);
  const sortedLatency = [...latencies].sort((a, b) => a - b);
  const sortedRemote = [...remoteLatencies].sort((a, b) => a - b);
  const sortedLocal = [...localLatencies].sort((a, b) => a - b);

  for (const socket of [...receivers, ...senders]) socket.close();
  return {
    name,
    latencyP50Ms: round(percentile(sortedLatency, 0.5)),
    latencyP99Ms: round(percentile(sortedLatency, 0.99)),
    ...(sortedRemote.length
      ? {
          sameNodeP50Ms: round(percentile(sortedLocal, 0.5)),
          crossNodeP50Ms: round(percentile(sortedRemote, 0.5)),
          crossNodeP99Ms: round(percentile(sortedRemote, 0.99)),
        }
      : {}),
    latencySamples: sortedLatency.length,
    latencyRateMessagesPerSecond: round(latencyRate, 1),
    messagesPerSecond: round(sent / elapsed, 1),
    deliveriesPerSecond: Math.round(throughputReceived / elapsed),
    deliveredFraction: round(throughputReceived / Math.max(1, expected), 4),
    agentReplyDeliveriesPerSecond: Math.round(throughputOther / elapsed),
    throughputCpu,
    rssPerIdleConnectionKb: round(rssIdle.reduce((sum, value, index) => sum + value - rssBefore[index]!, 0) / CLIENTS / 1024, 1),
  };
}

/** WS_BENCH_PARTS: comma-separated subset of fanout, recovery, seq (default: all three). */
const PARTS = new Set((process.env.WS_BENCH_PARTS ?? 'fanout,recovery,seq').split(',').map((part) => part.trim()));

async function fanout() {
  const results: Awaited<ReturnType<typeof runScenario>>[] = [];
  const bare = await startBare();
  try {
    results.push(await runScenario('bare-socket.io', bare));
  } finally {
    await bare.stop();
  }
  const single = await startVigie(1);
  try {
    results.push(await runScenario('vigie-1-node', single));
  } finally {
    await single.stop();
  }
  const redis = new RedisProcess(await freePort());
  await redis.start();
  const double = await startVigie(2, redis.url);
  try {
    results.push(await runScenario('vigie-2-nodes-redis', double));
  } finally {
    await double.stop();
    await redis.stop();
  }
  const [ceiling, one, two] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
  return {
    maxLatencyRateMessagesPerSecond: LATENCY_RATE,
    results,
    ratios: {
      singleNodeVsBareDeliveries: round(one.deliveriesPerSecond / ceiling.deliveriesPerSecond, 3),
      twoNodesVsSingleDeliveries: round(two.deliveriesPerSecond / one.deliveriesPerSecond, 3),
      crossNodeAddedP50MsSameRun: round((two.crossNodeP50Ms ?? Number.NaN) - (two.sameNodeP50Ms ?? Number.NaN)),
      twoNodesMinusOneNodeP50Ms: round(two.latencyP50Ms - one.latencyP50Ms),
      singleNodeP99Ms: one.latencyP99Ms,
    },
  };
}

async function main() {
  const os = await import('node:os');
  const loadBefore = os.loadavg().map((value) => round(value));
  const fan = PARTS.has('fanout') ? await fanout() : undefined;
  // Issue #20: time from Redis returning to every gap filled, and what seqs cost.
  const gapRecovery = PARTS.has('recovery') ? await (await import('./ws-gap-recovery.js')).measureGapRecovery() : undefined;
  const sequenceCost = PARTS.has('seq') ? await (await import('./ws-seq-cost.js')).measureSeqCost() : undefined;
  console.log(
    JSON.stringify({
      bench: 'ws',
      clients: CLIENTS,
      roomSize: ROOM_SIZE,
      rooms: ROOMS,
      phaseMs: PHASE_MS,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: os.loadavg().map((value) => round(value)) },
      ...(fan ?? {}),
      ...(gapRecovery ? { gapRecovery } : {}),
      ...(sequenceCost ? { sequenceCost } : {}),
      ratio: {
        ...(fan ? { singleNodeVsBareDeliveries: fan.ratios.singleNodeVsBareDeliveries } : {}),
        ...(gapRecovery ? { gapRecoveryP95VsFloor: gapRecovery.ratio } : {}),
        ...(sequenceCost ? { withSeqVsWithoutDeliveries: sequenceCost.ratio } : {}),
      },
      agent: process.env.WS_BENCH_WITH_AGENT === '1',
      note: 'clients, servers and Redis share one noisy 2-core machine; Vigie authenticates, validates, rate-limits and stores every message in PostgreSQL before broadcasting, the bare server does none of it; with agent=true the agent also answers each message (replies counted apart). gapRecovery.ratio = p95 / 2 s floor (below 1 meets it); sequenceCost.ratio = median deliveries/s with per-conversation seqs / without (one global sequence), same node and clients (at least 0.9 meets it)',
    }),
  );
}

await main();
process.exit(0);
