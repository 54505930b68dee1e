/**
 * Tells "the database (or Redis) is unreachable" apart from "this statement is wrong", so
 * callers can answer 503 `unavailable` (retry later) instead of a masked 500, and the audit
 * log knows when retrying event by event is pointless. Works on pg, Prisma (with its pg and
 * PGlite adapters), PGlite and ioredis errors by walking the `cause` chain.
 */

/** Node socket errors that mean the peer is gone or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
/** Prisma codes for "cannot reach / lost the server / pool timeout". */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver-adapter error kinds Prisma reports when the database is not reachable. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionAlreadyClosed',
]);
const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection refused/i,
  /can't reach database server/i,
  /server closed the connection/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Connection is closed/,
  /Stream isn't writeable/i,
  /MaxRetriesPerRequestError|max retries per request/i,
  /PGlite is closed/i,
];

function* chain(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth += 1) {
    yield current as Record<string, unknown>;
    const next = (current as { cause?: unknown }).cause;
    if (next === current) return;
    current = next;
  }
}

/** True when `error` means a dependency is down or unreachable (answer 503, retry later). */
export function isDependencyUnavailable(error: unknown): boolean {
  for (const link of chain(error)) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    if (code && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) return true;
    // SQLSTATE classes 08 (connection exception) and 57P0x (shutdown, cannot connect now), 53300 (too many connections).
    if (code && (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300')) return true;
    if (typeof link.kind === 'string' && ADAPTER_KINDS.has(link.kind)) return true;
    const originalCode = typeof link.originalCode === 'string' ? link.originalCode : undefined;
    if (originalCode && (SOCKET_CODES.has(originalCode) || /^08/.test(originalCode) || /^57P0/.test(originalCode))) return true;
    const message = typeof link.message === 'string' ? link.message : '';
    if (message && MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (Array.isArray(link.errors) && link.errors.some((inner) => isDependencyUnavailable(inner))) return true;
  }
  return false;
}

/** True when the database refused a value (SQLSTATE class 22: NUL byte, bad UTF-8, not a UUID…). */
export function isDataException(error: unknown): boolean {
  for (const link of chain(error)) {
    for (const key of ['code', 'originalCode']) {
      const code = link[key];
      if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
    }
    const message = typeof link.message === 'string' ? link.message : '';
    if (/Code: `22[0-9A-Z]{3}`|invalid byte sequence|unsupported Unicode escape|invalid input syntax for type json/.test(message))
      return true;
  }
  return false;
}
