/**
 * Real socket.io-client helpers for the realtime tests: connect with a token, emit with an
 * ack, and wait for events, each bounded by a timeout so a test can fail but never hang.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../src/contracts/event-maps.js';

/** A typed client socket. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const opened = new Set<ClientSocket>();

/** Connects and resolves once connected; rejects with the connect_error. */
export function connectSocket(url: string, token: string | undefined, timeoutMs = 10_000): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
    ...(token === undefined ? {} : { auth: { token } }),
  });
  opened.add(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

/** Emits a client event and resolves with its ack (rejects after the timeout). */
export function request(socket: ClientSocket, event: string, payload: unknown, timeoutMs = 10_000): Promise<any> {
  return (socket as unknown as Socket).timeout(timeoutMs).emitWithAck(event, payload);
}

/** Resolves with the next `event` payload matching `predicate`. */
export function nextEvent<T = any>(
  socket: ClientSocket,
  event: string,
  predicate: (payload: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  const raw = socket as unknown as Socket;
  return new Promise((resolve, reject) => {
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      raw.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      raw.off(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    raw.on(event, listener);
  });
}

/** Records every payload of `event` on a socket, for exactly-once checks. */
export function recordEvents<T = any>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as Socket).on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Closes every socket opened by these helpers. */
export function closeAllSockets(): void {
  for (const socket of opened) socket.close();
  opened.clear();
}
