/**
 * TCP connect latency: how long the three-way handshake takes, and whether the port is
 * open, closed (RST), filtered (no answer) or unreachable (ICMP error).
 */
import net from 'node:net';

/** State of one port. */
export type PortState = 'open' | 'closed' | 'filtered' | 'unreachable' | 'error';

/** Result of one connect attempt. */
export interface TcpResult {
  address: string;
  port: number;
  state: PortState;
  connectMs: number | null;
  error?: string;
}

/** Connects once to address:port and closes immediately. */
export function tcpConnect(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: address, port, family: 4 });
    let settled = false;
    const finish = (result: TcpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish({ address, port, state: 'error', connectMs: null, error: 'aborted' });
    const timer = setTimeout(
      () => finish({ address, port, state: 'filtered', connectMs: null, error: `no answer in ${timeoutMs} ms` }),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () =>
      finish({ address, port, state: 'open', connectMs: Math.round((performance.now() - started) * 1000) / 1000 }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      const state: PortState =
        code === 'ECONNREFUSED' ? 'closed' : ['EHOSTUNREACH', 'ENETUNREACH'].includes(code) ? 'unreachable' : 'error';
      finish({
        address,
        port,
        state,
        connectMs: state === 'closed' ? Math.round((performance.now() - started) * 1000) / 1000 : null,
        error: code,
      });
    });
  });
}
