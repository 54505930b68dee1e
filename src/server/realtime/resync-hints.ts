/**
 * `conversation:resync` hints (issue #20). While Redis is away, a node's broadcasts never
 * reach the other nodes, and their clients' sockets stay open, so nothing tells them they
 * missed anything. When Redis comes back:
 *
 * - each node, once its adapter subscriber has resubscribed, hints every conversation room
 *   it hosts locally with the conversation's current `lastSeq` (read after resubscribing,
 *   so anything stored later arrives as a normal broadcast);
 * - each node whose publisher was failing hints, through the adapter (so every node's
 *   clients get it), the conversations it stored messages in since shortly before the
 *   failure began.
 *
 * A client whose held seq is below `lastSeq` pages `conversation:sync`. Hints are cheap:
 * one query per 1,000 rooms, one small packet per room.
 */
import type { Server } from 'socket.io';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../contracts/event-maps.js';
import type { CatchUpMetrics } from './catch-up-metrics.js';
import { conversationOfRoom, conversationRoom } from './rooms.js';
import type { SocketData } from './socket-auth.js';

type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** How far before a detected publish failure messages count as possibly undelivered. */
const FAILURE_MARGIN_MS = 10_000;
/** Conversations remembered for publisher-side hints (oldest dropped first). */
const MAX_REMEMBERED = 10_000;

/** The hint sender the gateway drives. */
export interface ResyncHints {
  /** Remembers that a message was stored in `conversationId` now. */
  noteMessage(conversationId: string): void;
  /** The adapter subscriber is back: hint this node's own rooms. */
  subscriberRestored(): Promise<number>;
  /** The adapter publisher is back after failing since `downSinceMs`: hint everyone. */
  publisherRestored(downSinceMs: number): Promise<number>;
}

/** Builds the hint sender over the gateway's server and database. */
export function createResyncHints(io: GatewayServer, prisma: PrismaClient, logger: Logger, metrics: CatchUpMetrics): ResyncHints {
  const recent = new Map<string, number>();

  async function lastSeqs(ids: string[]): Promise<Array<{ id: string; lastMessageSeq: number }>> {
    const rows: Array<{ id: string; lastMessageSeq: number }> = [];
    for (let index = 0; index < ids.length; index += 1_000) {
      rows.push(
        ...(await prisma.conversation.findMany({
          where: { id: { in: ids.slice(index, index + 1_000) } },
          select: { id: true, lastMessageSeq: true },
        })),
      );
    }
    return rows;
  }

  return {
    noteMessage(conversationId) {
      recent.delete(conversationId);
      recent.set(conversationId, Date.now());
      if (recent.size > MAX_REMEMBERED) recent.delete(recent.keys().next().value as string);
    },
    async subscriberRestored() {
      const ids = [...io.of('/').adapter.rooms.keys()].map(conversationOfRoom).filter((id): id is string => id !== null);
      const rows = await lastSeqs(ids);
      for (const row of rows)
        io.local.to(conversationRoom(row.id)).emit('conversation:resync', {
          conversationId: row.id,
          lastSeq: row.lastMessageSeq,
        });
      metrics.hinted(rows.length);
      logger.info({ rooms: rows.length }, 'redis back: sent conversation:resync to local rooms');
      return rows.length;
    },
    async publisherRestored(downSinceMs) {
      const ids = [...recent].filter(([, at]) => at >= downSinceMs - FAILURE_MARGIN_MS).map(([id]) => id);
      const rows = await lastSeqs(ids);
      for (const row of rows)
        io.to(conversationRoom(row.id)).emit('conversation:resync', {
          conversationId: row.id,
          lastSeq: row.lastMessageSeq,
        });
      metrics.hinted(rows.length);
      if (rows.length)
        logger.info({ rooms: rows.length }, 'redis back: sent conversation:resync for conversations written while publishing failed');
      return rows.length;
    },
  };
}
