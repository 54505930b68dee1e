/**
 * Who is in a conversation room, across every node (fetchSockets goes through the adapter),
 * falling back to this node's sockets when Redis is away. Announcements are coalesced per
 * room so a burst of joins sends one `presence` event.
 */
import type { Server } from 'socket.io';
import type { Logger } from '../../logger.js';
import type { PresenceUser } from '../../contracts/event-maps.js';
import { conversationRoom } from './rooms.js';
import type { SocketData } from './socket-auth.js';

/** Presence lookups and coalesced announcements. */
export interface Presence {
  usersIn(conversationId: string): Promise<PresenceUser[]>;
  announce(conversationId: string): void;
  close(): void;
}

/** Builds presence over a server; `delayMs` is the coalescing window. */
export function createPresence(io: Server, logger: Logger, delayMs = 50): Presence {
  const pending = new Map<string, NodeJS.Timeout>();

  async function usersIn(conversationId: string): Promise<PresenceUser[]> {
    const room = conversationRoom(conversationId);
    let sockets: { data: unknown }[];
    try {
      sockets = await io.in(room).fetchSockets();
    } catch (error) {
      logger.debug({ err: (error as Error).message, conversationId }, 'presence across nodes unavailable; using local sockets');
      sockets = await io.local.in(room).fetchSockets();
    }
    const users = new Map<string, PresenceUser>();
    for (const socket of sockets) {
      const principal = (socket.data as SocketData | undefined)?.principal;
      if (principal) users.set(principal.userId, { userId: principal.userId, userName: principal.userName });
    }
    return [...users.values()].sort((a, b) => a.userName.localeCompare(b.userName));
  }

  function announce(conversationId: string): void {
    if (pending.has(conversationId)) return;
    const timer = setTimeout(() => {
      pending.delete(conversationId);
      usersIn(conversationId).then(
        (users) => io.to(conversationRoom(conversationId)).emit('presence', { conversationId, users }),
        (error: unknown) => logger.warn({ err: error, conversationId }, 'presence announcement failed'),
      );
    }, delayMs);
    timer.unref();
    pending.set(conversationId, timer);
  }

  return {
    usersIn,
    announce,
    close() {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
