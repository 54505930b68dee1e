/**
 * `npm run bench:ws`, the cost of sequence numbers (issue #20). One Vigie node, the same
 * clients and rooms; saturated-throughput phases alternate between the real per-conversation
 * seq (the `messages_assign_seq` trigger of migration 20261206200000_message_seq: an UPDATE
 * of the conversation's counter, which also locks its row until commit) and the same trigger
 * replaced by one global PostgreSQL sequence (`nextval`, no conversation row touched): the
 * baseline "without them". Swapping the trigger's function on the live database keeps
 * everything else identical. WS_BENCH_SEQ_ROUNDS rounds, each both variants (order
 * alternating); the medians are compared. Floor (issue #20): within 10 %.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { CLIENTS, PHASE_MS, ROOMS, ROOM_SIZE, WINDOW, connect, inBatches, round, sleep, startVigie } from './ws-bench-support.js';

const ROUNDS = Number(process.env.WS_BENCH_SEQ_ROUNDS ?? 3);
/** The floor: with seqs at least 90 % of the throughput without them. */
export const SEQ_COST_FLOOR_RATIO = 0.9;

/** The migration's own trigger function, as CREATE OR REPLACE. */
function perConversationFunction(): string {
  const migration = readFileSync(path.join(import.meta.dirname, '../prisma/migrations/20261206200000_message_seq/migration.sql'), 'utf8');
  const match = /CREATE FUNCTION "messages_assign_seq"\(\)[\s\S]*?\$\$;/.exec(migration);
  if (!match) throw new Error('messages_assign_seq not found in the migration');
  return match[0].replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
}

const GLOBAL_SEQUENCE = `
CREATE SEQUENCE IF NOT EXISTS "bench_global_message_seq" START 1000000;
CREATE OR REPLACE FUNCTION "messages_assign_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."seq" := nextval('bench_global_message_seq');
  RETURN NEW;
END;
$$;`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One run of the sequence-cost measurement; resolves with its figures. */
export async function measureSeqCost() {
  const target = await startVigie(1);
  const store = new pg.Client({ connectionString: target.databaseUrl });
  await store.connect();
  const sockets: Socket[] = [];
  try {
    const rooms: string[] = [];
    for (let index = 0; index < ROOMS; index += 1) {
      const response = await fetch(`${target.urls[0]}/api/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `seq cost room ${index}` }),
      });
      rooms.push(((await response.json()) as { id: string }).id);
    }
    let received = 0;
    sockets.push(
      ...(await inBatches(CLIENTS, 100, async (index) => {
        const socket = await connect(target.urls[0]!, target.token);
        const ack = await socket.emitWithAck('conversation:join', { conversationId: rooms[Math.floor(index / ROOM_SIZE) % ROOMS] });
        if (!ack?.data) throw new Error(`join failed: ${JSON.stringify(ack)}`);
        socket.on('message:new', () => (received += 1));
        return socket;
      })),
    );
    const senders = await inBatches(ROOMS, 50, () => connect(target.urls[0]!, target.token));
    sockets.push(...senders);
    const send = (roomIndex: number) =>
      senders[roomIndex]!.emitWithAck('message:send', {
        conversationId: rooms[roomIndex],
        content: `s:${performance.now()}`,
        clientMessageId: randomUUID(),
      });
    await Promise.all(rooms.map((_, index) => send(index)));
    await sleep(1_000);

    const phase = async (): Promise<number> => {
      received = 0;
      let sent = 0;
      const started = performance.now();
      const stopAt = started + PHASE_MS;
      await Promise.all(
        rooms.map((_, roomIndex) =>
          Promise.all(
            Array.from({ length: WINDOW }, async () => {
              while (performance.now() < stopAt) {
                await send(roomIndex);
                sent += 1;
              }
            }),
          ),
        ),
      );
      const drainDeadline = performance.now() + 30_000;
      while (received < sent * ROOM_SIZE && performance.now() < drainDeadline) await sleep(20);
      const deliveries = received / ((performance.now() - started) / 1000);
      await sleep(500);
      return deliveries;
    };
    const withSeq: number[] = [];
    const withoutSeq: number[] = [];
    const perConversation = perConversationFunction();
    for (let pass = 0; pass < ROUNDS; pass += 1) {
      for (const variant of pass % 2 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
        await store.query(variant === 'with' ? perConversation : GLOBAL_SEQUENCE);
        (variant === 'with' ? withSeq : withoutSeq).push(await phase());
      }
    }
    await store.query(perConversation);
    const withMedian = median(withSeq);
    const withoutMedian = median(withoutSeq);
    return {
      rounds: ROUNDS,
      phaseMs: PHASE_MS,
      withSeqDeliveriesPerSecond: withSeq.map((value) => Math.round(value)),
      withoutSeqDeliveriesPerSecond: withoutSeq.map((value) => Math.round(value)),
      withSeqMedian: Math.round(withMedian),
      baselineWithoutSeqMedian: Math.round(withoutMedian),
      floorRatio: SEQ_COST_FLOOR_RATIO,
      ratio: round(withMedian / withoutMedian, 3),
    };
  } finally {
    for (const socket of sockets) socket.close();
    await store.end();
    await target.stop();
  }
}
