/**
 * `npm run bench:ws`, gap recovery (issue #20): how long after Redis comes back every
 * client holds every message it missed. Two Vigie nodes share a private redis-server;
 * WS_BENCH_CLIENTS clients (half per node) track their room with the console's own SeqSync
 * (resync hints, gap detection, paged `conversation:sync`). Redis is SIGKILLed, each room's
 * sender (on the second node) posts WS_BENCH_GAP_MESSAGES messages, which the first node's
 * clients never receive live, and Redis is started again after WS_BENCH_OUTAGE_MS. The clock
 * starts when redis-server is spawned again and stops, per client, when it holds its room's
 * last stored seq. Floor (issue #20): p95 < 2 s at 2,000 clients.
 */
import type { Socket } from 'socket.io-client';
import type { MessageView } from '../src/actions/conversation-views.js';
import { SeqSync } from '../src/console/seq-sync.js';
import type { Ack, SyncPage } from '../src/contracts/event-maps.js';
import { RedisProcess, freePort } from '../test/realtime/support/redis-process.js';
import { CLIENTS, ROOMS, ROOM_SIZE, connect, inBatches, percentile, round, sleep, startVigie } from './ws-bench-support.js';

const GAP_MESSAGES = Number(process.env.WS_BENCH_GAP_MESSAGES ?? 3);
const OUTAGE_MS = Number(process.env.WS_BENCH_OUTAGE_MS ?? 5_000);
/** The floor for p95 at 2,000 clients. */
export const GAP_RECOVERY_FLOOR_MS = 2_000;

interface Tracker {
  socket: Socket;
  sync: SeqSync;
  room: string;
  node: number;
  held: number;
  doneAt: number;
  /** When its first `conversation:resync` hint arrived after Redis returned. */
  hintAt: number;
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** One run of the gap-recovery measurement; resolves with its figures. */
export async function measureGapRecovery() {
  const redis = new RedisProcess(await freePort());
  await redis.start();
  const target = await startVigie(2, redis.url);
  const trackers: Tracker[] = [];
  const senders: Socket[] = [];
  try {
    const rooms: string[] = [];
    for (let index = 0; index < ROOMS; index += 1) {
      const response = await fetch(`${target.urls[0]}/api/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `gap room ${index}` }),
      });
      rooms.push(((await response.json()) as { id: string }).id);
    }
    const expected = new Map<string, number>(rooms.map((room) => [room, 0]));
    let clock = 0;
    trackers.push(
      ...(await inBatches(CLIENTS, 100, async (index) => {
        const node = index % target.urls.length;
        const socket = await connect(target.urls[node]!, target.token);
        const room = rooms[Math.floor(index / ROOM_SIZE) % ROOMS]!;
        const tracker: Tracker = { socket, room, node, held: 0, doneAt: 0, hintAt: 0, sync: undefined as never };
        tracker.sync = new SeqSync(
          async (payload) => {
            try {
              return (await socket.timeout(30_000).emitWithAck('conversation:sync', payload)) as Ack<SyncPage>;
            } catch {
              return { error: { code: 'timeout', message: 'no ack' } };
            }
          },
          {
            deliver: (_conversationId, messages) => {
              tracker.held = Math.max(tracker.held, messages.at(-1)?.seq ?? 0);
              if (clock && !tracker.doneAt && tracker.held >= expected.get(room)!) tracker.doneAt = performance.now();
            },
          },
        );
        tracker.sync.track(room, 0);
        socket.on('message:new', ({ message }: { message: MessageView }) => tracker.sync.receive(message));
        socket.on('conversation:resync', ({ conversationId, lastSeq }: { conversationId: string; lastSeq: number }) => {
          if (clock && !tracker.hintAt) tracker.hintAt = performance.now();
          tracker.sync.hint(conversationId, lastSeq);
        });
        const ack = (await socket.emitWithAck('conversation:join', { conversationId: room, afterSeq: 0 })) as Ack<{
          missed: MessageView[];
          more: boolean;
          lastSeq: number;
        }>;
        if ('error' in ack) throw new Error(`join failed: ${JSON.stringify(ack)}`);
        tracker.sync.applyPage(room, { messages: ack.data.missed, more: ack.data.more, lastSeq: ack.data.lastSeq });
        return tracker;
      })),
    );
    senders.push(...(await inBatches(ROOMS, 50, () => connect(target.urls.at(-1)!, target.token))));
    const send = async (roomIndex: number, label: string) => {
      const ack = (await senders[roomIndex]!.emitWithAck('message:send', {
        conversationId: rooms[roomIndex],
        content: label,
        clientMessageId: `${label}-${roomIndex}`,
      })) as Ack<{
        message: MessageView;
      }>;
      if ('error' in ack) throw new Error(`send failed: ${JSON.stringify(ack)}`);
      expected.set(rooms[roomIndex]!, Math.max(expected.get(rooms[roomIndex]!)!, ack.data.message.seq));
    };
    const allHold = () => trackers.every((tracker) => tracker.held >= expected.get(tracker.room)!);
    // Warm-up: one message per room reaches everyone through Redis.
    await Promise.all(rooms.map((_, index) => send(index, 'warm')));
    if (!(await waitFor(allHold, 60_000))) throw new Error('warm-up messages did not reach every client');

    await redis.stop();
    const stoppedAt = performance.now();
    await sleep(500);
    for (let message = 0; message < GAP_MESSAGES; message += 1) await Promise.all(rooms.map((_, index) => send(index, `gap${message}`)));
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - performance.now()));
    const gapped = trackers.filter((tracker) => tracker.held < expected.get(tracker.room)!);
    clock = performance.now();
    await redis.start();
    const redisReadyMs = performance.now() - clock;
    const complete = await waitFor(allHold, 60_000);
    const times = gapped
      .filter((tracker) => tracker.doneAt)
      .map((tracker) => tracker.doneAt - clock)
      .sort((a, b) => a - b);
    const p95 = percentile(times, 0.95);
    const hints = gapped
      .filter((tracker) => tracker.hintAt)
      .map((tracker) => tracker.hintAt - clock)
      .sort((a, b) => a - b);
    return {
      clients: trackers.length,
      gappedClients: gapped.length,
      gappedOnOtherNode: gapped.filter((tracker) => tracker.node !== target.urls.length - 1).length,
      missedPerGappedClient: GAP_MESSAGES,
      outageMs: OUTAGE_MS,
      redisAnsweringAfterMs: round(redisReadyMs, 1),
      recoveredClients: times.length,
      complete,
      p50Ms: round(percentile(times, 0.5)),
      p95Ms: round(p95),
      maxMs: round(times.at(-1) ?? Number.NaN),
      // Where the time goes: the first resync hint reaches the client (Redis reconnect + hint), then its catch-up.
      firstHintP50Ms: round(percentile(hints, 0.5)),
      firstHintP95Ms: round(percentile(hints, 0.95)),
      catchUpsPerGappedClient: round(gapped.reduce((sum, tracker) => sum + tracker.sync.stats.catchUps, 0) / Math.max(1, gapped.length), 2),
      floorP95Ms: GAP_RECOVERY_FLOOR_MS,
      ratio: round(p95 / GAP_RECOVERY_FLOOR_MS, 3),
    };
  } finally {
    for (const tracker of trackers) {
      tracker.sync.close();
      tracker.socket.close();
    }
    for (const socket of senders) socket.close();
    await target.stop();
    await redis.stop();
  }
}
