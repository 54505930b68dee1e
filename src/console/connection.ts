/**
 * The console's Socket.IO connection: typed with the server's event maps, reconnecting on
 * its own, reporting its state, and sending messages idempotently (a send that times out
 * is retried with the same clientMessageId, so it is stored once).
 */
import { browserLocale } from './i18n-dom.js';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../contracts/event-maps.js';

/** A typed client socket. */
export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the connection badge shows. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** Callbacks the UI provides. */
export interface ConnectionHooks {
  onState(state: ConnectionState, detail?: string): void;
  onConnected(): void;
  onUnauthorized(): void;
}

/** Opens the socket with the token. */
export function openConnection(token: string, hooks: ConnectionHooks): ConsoleSocket {
  const socket: ConsoleSocket = io({
    auth: { token, locale: browserLocale() },
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5_000,
  });
  hooks.onState('connecting');
  socket.on('connect', () => {
    hooks.onState('online');
    hooks.onConnected();
  });
  socket.on('disconnect', (reason) => {
    // The server closed us on purpose (logout or shutdown): the client does not retry by itself.
    if (reason === 'io server disconnect') socket.connect();
    hooks.onState('reconnecting', reason);
  });
  socket.on('connect_error', (error) => {
    if (error.message === 'unauthorized') {
      socket.disconnect();
      hooks.onState('offline', 'token refused');
      hooks.onUnauthorized();
      return;
    }
    hooks.onState('reconnecting', error.message);
  });
  socket.io.on('reconnect_attempt', (attempt) => hooks.onState('reconnecting', `attempt ${attempt}`));
  return socket;
}

/** Emits an event and resolves with its ack, or with a `timeout` error ack. */
export async function ask<T>(
  socket: ConsoleSocket,
  event: keyof ClientToServerEvents,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<Ack<T>> {
  try {
    return (await (socket as unknown as Socket).timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    return { error: { code: 'timeout', message: 'No answer from the server (still reconnecting?)' } };
  }
}

/** Sends with retries on timeout; the same clientMessageId makes retries safe. */
export async function sendIdempotent<T>(
  socket: ConsoleSocket,
  payload: { conversationId: string; content: string; clientMessageId: string },
  attempts = 4,
): Promise<Ack<T>> {
  let last: Ack<T> = { error: { code: 'timeout', message: 'not sent' } };
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    last = await ask<T>(socket, 'message:send', payload);
    if (!('error' in last) || last.error.code !== 'timeout') return last;
  }
  return last;
}
