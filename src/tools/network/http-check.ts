/**
 * HTTP(S) probe against a pinned address: status, timings (connect, TLS, first byte,
 * total) and, for HTTPS, the certificate's expiry and whether it verifies.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What one HTTP probe measured. */
export interface HttpResult {
  url: string;
  status: number | null;
  timingsMs: { connect: number | null; tls: number | null; firstByte: number | null; total: number };
  tls?: { validTo: string; daysLeft: number; authorized: boolean; authorizationError?: string; subject?: string };
  error?: string;
}

/** Probes `scheme://host:port/path`, connecting to `address` whatever `host` resolves to now. */
export function httpProbe(options: {
  scheme: 'http' | 'https';
  host: string;
  address: string;
  port: number;
  path: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<HttpResult> {
  const { scheme, host, address, port, path, timeoutMs } = options;
  const url = `${scheme}://${host}:${port}${path}`;
  const started = performance.now();
  const since = () => Math.round((performance.now() - started) * 1000) / 1000;
  const timings: HttpResult['timingsMs'] = { connect: null, tls: null, firstByte: null, total: 0 };
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  };
  return new Promise((resolve) => {
    let tlsInfo: HttpResult['tls'];
    const transport = scheme === 'https' ? https : http;
    const request = transport.request(
      {
        host,
        port,
        path,
        method: 'GET',
        lookup: pinned,
        timeout: timeoutMs,
        signal: options.signal,
        agent: false,
        headers: { 'user-agent': 'vigie-network-probe', connection: 'close' },
        ...(scheme === 'https' ? { rejectUnauthorized: false, servername: /^[\d.]+$/.test(host) ? undefined : host } : {}),
      },
      (response) => {
        timings.firstByte = since();
        response.resume();
        response.on('end', () => {
          timings.total = since();
          resolve({ url, status: response.statusCode ?? null, timingsMs: timings, ...(tlsInfo ? { tls: tlsInfo } : {}) });
        });
      },
    );
    request.on('socket', (socket) => {
      socket.once('connect', () => (timings.connect = since()));
      socket.once('secureConnect', () => {
        timings.tls = since();
        const tlsSocket = socket as TLSSocket;
        const certificate = tlsSocket.getPeerCertificate();
        if (certificate && certificate.valid_to) {
          const validTo = new Date(certificate.valid_to);
          tlsInfo = {
            validTo: validTo.toISOString(),
            daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
            authorized: tlsSocket.authorized,
            ...(tlsSocket.authorizationError ? { authorizationError: String(tlsSocket.authorizationError) } : {}),
            ...(certificate.subject?.CN ? { subject: String(certificate.subject.CN) } : {}),
          };
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      timings.total = since();
      resolve({ url, status: null, timingsMs: timings, error: error.code ?? error.message, ...(tlsInfo ? { tls: tlsInfo } : {}) });
    });
    request.end();
  });
}
