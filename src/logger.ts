/**
 * One pino logger for the process; secrets are redacted at the source so no call site
 * can leak a token by logging a request or a config object.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'token',
  '*.token',
  'ADMIN_TOKEN',
  'METRICS_TOKEN',
  'password',
  '*.password',
];

/** Builds the process logger at the configured level. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigie' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
