/**
 * The Socket Mode half of the fake Slack: `apps.connections.open` hands out
 * ws://127.0.0.1:<port>/link/?ticket=<n>, a real WebSocket server (the `ws` package) says
 * `hello` on each connection, pushes envelopes as Slack does and records the client's acks
 * (`{envelope_id, payload}`), so the real Socket Mode client and Bolt are driven end to end.
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventBody, slashCommandFields, blockActionPayload } from './fake-slack.js';

/** One WebSocket a client opened. */
export interface FakeSocket {
  ticket: number;
  open: boolean;
  socket: WebSocket;
}

/** An ack the client sent back. */
export interface FakeAck {
  ticket: number;
  envelope_id: string;
  payload: unknown;
}

/** Socket Mode on the fake server. */
export interface FakeSocketMode {
  /** Every connection handed out by apps.connections.open and opened, in order. */
  sockets: FakeSocket[];
  acks: FakeAck[];
  /** A new connection URL (what apps.connections.open answers). */
  newUrl(): string;
  /** The only open socket; throws when none or several are open (exactly one node must hold it). */
  holder(): FakeSocket;
  /** Sends a raw frame (an envelope object is JSON-encoded) on the only open socket. */
  send(envelope: Record<string, unknown> | string): void;
  /** Resolves with the ack of `envelopeId`, or rejects after `timeoutMs`. */
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<FakeAck>;
  close(): Promise<void>;
}

/** Attaches Socket Mode to the fake's HTTP server (upgrades on /link/). */
export function attachFakeSocketMode(server: http.Server, wsBase: string): FakeSocketMode {
  const wss = new WebSocketServer({ noServer: true });
  const sockets: FakeSocket[] = [];
  const acks: FakeAck[] = [];
  const waiters = new Set<() => void>();
  let tickets = 0;
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const ticket = Number(url.searchParams.get('ticket'));
    if (url.pathname !== '/link/' || !Number.isInteger(ticket) || ticket < 1 || ticket > tickets) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const entry: FakeSocket = { ticket, open: true, socket: ws };
      sockets.push(entry);
      ws.on('message', (data) => {
        try {
          const ack = JSON.parse(String(data)) as { envelope_id?: unknown; payload?: unknown };
          if (typeof ack.envelope_id === 'string') acks.push({ ticket, envelope_id: ack.envelope_id, payload: ack.payload });
        } catch {
          // Slack ignores frames it cannot parse; so does the fake.
        }
        for (const wake of waiters) wake();
      });
      ws.on('close', () => {
        entry.open = false;
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack' }, connection_info: { app_id: 'A1' } }));
    });
  });
  const holder = () => {
    const open = sockets.filter((entry) => entry.open);
    if (open.length !== 1) throw new Error(`fake Slack: ${open.length} Socket Mode connections open, expected exactly one`);
    return open[0]!;
  };
  return {
    sockets,
    acks,
    newUrl() {
      tickets += 1;
      return `${wsBase}/link/?ticket=${tickets}`;
    },
    holder,
    send(envelope) {
      holder().socket.send(typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
    },
    waitForAck(envelopeId, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const found = acks.find((ack) => ack.envelope_id === envelopeId);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake Slack: envelope ${envelopeId} not acked within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(look);
        };
        waiters.add(look);
        look();
      });
    },
    async close() {
      for (const entry of sockets) entry.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

let envelopes = 0;
const envelopeId = () => `env-${process.pid}-${++envelopes}-${Math.random().toString(36).slice(2, 8)}`;

/** A `/vigie` slash command as a Socket Mode envelope. */
export function slashCommandEnvelope(
  fields: Parameters<typeof slashCommandFields>[0],
  id = envelopeId(),
): Record<string, unknown> & { envelope_id: string } {
  return { envelope_id: id, type: 'slash_commands', accepts_response_payload: true, payload: slashCommandFields(fields) };
}

/** An Events API delivery as a Socket Mode envelope; `retryAttempt` > 0 is a redelivery. */
export function eventsApiEnvelope(
  eventId: string,
  event: Record<string, unknown>,
  retryAttempt = 0,
  id = envelopeId(),
): Record<string, unknown> & { envelope_id: string } {
  return {
    envelope_id: id,
    type: 'events_api',
    accepts_response_payload: false,
    retry_attempt: retryAttempt,
    retry_reason: retryAttempt > 0 ? 'timeout' : '',
    payload: JSON.parse(eventBody(eventId, event)) as unknown,
  };
}

/** A block_actions click as a Socket Mode envelope. */
export function interactiveEnvelope(
  fields: Parameters<typeof blockActionPayload>[0],
  id = envelopeId(),
): Record<string, unknown> & { envelope_id: string } {
  return { envelope_id: id, type: 'interactive', accepts_response_payload: false, payload: blockActionPayload(fields) };
}
