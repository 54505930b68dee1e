/**
 * A chaos client for the cluster tests of issue #20 (cluster-chaos, sentinel-failover): a
 * reconnecting socket on one node that tracks every room with the console's own SeqSync
 * (gap detection, resync hints, catch-up on reconnect) and sends with clientMessageIds,
 * retrying with the same id until acked; and the report that compares what each client
 * holds with what the database stored.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { MessageView } from '../../../src/actions/conversation-views.js';
import type { Ack, SyncPage } from '../../../src/contracts/event-maps.js';
import { SeqSync } from '../../../src/console/seq-sync.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One chaos client: a reconnecting socket on one node, SeqSync per room, sends with retries. */
export class ChaosClient {
  readonly socket: Socket;
  readonly delivered = new Map<string, MessageView[]>();
  readonly acked = new Set<string>();
  sent = 0;
  private stopped = false;
  readonly sync: SeqSync;

  constructor(
    readonly name: string,
    url: string,
    token: string,
    private readonly rooms: string[],
  ) {
    for (const room of rooms) this.delivered.set(room, []);
    this.socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token },
      reconnectionDelay: 200,
      reconnectionDelayMax: 1_000,
    });
    this.sync = new SeqSync((payload) => this.ask<SyncPage>('conversation:sync', payload), {
      deliver: (conversationId, messages) => this.delivered.get(conversationId)?.push(...messages),
    });
    for (const room of rooms) this.sync.track(room, 0);
    this.socket.on('connect', () => void this.joinAll());
    this.socket.on('message:new', ({ message }: { message: MessageView }) => this.sync.receive(message));
    this.socket.on('conversation:resync', ({ conversationId, lastSeq }: { conversationId: string; lastSeq: number }) =>
      this.sync.hint(conversationId, lastSeq),
    );
  }

  async ask<T>(event: string, payload: unknown, timeoutMs = 5_000): Promise<Ack<T>> {
    try {
      return (await this.socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
    } catch {
      return { error: { code: 'timeout', message: 'no ack' } };
    }
  }

  /** Joins (or re-joins after a reconnect) every room and pages from the last seq held. */
  private async joinAll(): Promise<void> {
    for (const conversationId of this.rooms) {
      const afterSeq = this.sync.lastSeq(conversationId) ?? 0;
      const ack = await this.ask<{
        missed: MessageView[];
        more: boolean;
        lastSeq: number;
      }>('conversation:join', { conversationId, afterSeq });
      if ('error' in ack) {
        // Joined nothing (the database is down?): try again shortly while connected.
        if (this.socket.connected && !this.stopped) setTimeout(() => void this.joinAll(), 1_000);
        return;
      }
      if (
        this.sync.applyPage(conversationId, {
          messages: ack.data.missed,
          more: ack.data.more,
          lastSeq: ack.data.lastSeq,
        })
      ) {
        void this.sync.catchUp(conversationId, 'reconnect');
      }
    }
  }

  /** Sends until stopped: one message at a time, each retried with its clientMessageId until acked. */
  async run(): Promise<void> {
    let index = 0;
    while (!this.stopped) {
      const conversationId = this.rooms[index % this.rooms.length]!;
      const clientMessageId = `${this.name}-${index}-${randomUUID()}`;
      index += 1;
      this.sent += 1;
      for (let attempt = 0; ; attempt += 1) {
        const ack = await this.ask<{ message: MessageView }>('message:send', {
          conversationId,
          content: `${this.name} #${index}`,
          clientMessageId,
        });
        if (!('error' in ack)) {
          this.acked.add(ack.data.message.id);
          this.sync.receive(ack.data.message);
          break;
        }
        if (this.stopped && attempt > 20) break;
        await sleep(300);
      }
      await sleep(40 + Math.random() * 40);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  close(): void {
    this.sync.close();
    this.socket.close();
  }
}

/** Per client: messages held, and how many stored ones are missing, duplicated or out of order. */
export function deliveryReport(clients: ChaosClient[], rooms: string[], stored: Map<string, Array<{ id: string; seq: number }>>) {
  return clients.map((client) => {
    let missing = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    for (const room of rooms) {
      const held = client.delivered.get(room)!;
      const ids = held.map((message) => message.id);
      duplicated += ids.length - new Set(ids).size;
      const heldIds = new Set(ids);
      missing += stored.get(room)!.filter((row) => !heldIds.has(row.id)).length;
      for (let index = 1; index < held.length; index += 1) if (held[index]!.seq <= held[index - 1]!.seq) outOfOrder += 1;
    }
    return {
      client: client.name,
      received: rooms.reduce((sum, room) => sum + client.delivered.get(room)!.length, 0),
      missing,
      duplicated,
      outOfOrder,
      gapsDetected: client.sync.stats.gapsDetected,
      recovered: client.sync.stats.messagesRecovered,
    };
  });
}
