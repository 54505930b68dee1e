/**
 * Grafana's webhook HMAC: X-Grafana-Alerting-Signature is hex(HMAC-SHA256(secret,
 * timestamp + ":" + body)) with the timestamp in X-Grafana-Alerting-Timestamp (Unix
 * seconds). The timestamp must be recent, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signature. */
export const SIGNATURE_HEADER = 'x-grafana-alerting-signature';
/** Header carrying the signing time (Unix seconds). */
export const TIMESTAMP_HEADER = 'x-grafana-alerting-timestamp';
/** Largest accepted distance between the signing time and now. */
export const MAX_SKEW_MS = 5 * 60_000;

/** Computes the signature of `body` at `timestamp`. */
export function grafanaSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}:`).update(body).digest('hex');
}

/** Why a signature is refused, or null when it holds. */
export function verifyGrafanaSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: Buffer,
  now: number,
): string | null {
  if (!headers.signature) return `missing ${SIGNATURE_HEADER} header`;
  if (!headers.timestamp || !/^\d{1,13}$/.test(headers.timestamp)) return `missing or malformed ${TIMESTAMP_HEADER} header`;
  const seconds = Number(headers.timestamp);
  if (Math.abs(now - seconds * 1_000) > MAX_SKEW_MS) return 'signature timestamp is too old or in the future';
  const expected = Buffer.from(grafanaSignature(secret, headers.timestamp, body), 'hex');
  const given = Buffer.from(headers.signature.replace(/^sha256=/, ''), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
  return null;
}
