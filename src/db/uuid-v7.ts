/**
 * Time-ordered UUIDs (RFC 9562 version 7), the ids Prisma's `@default(uuid(7))` gives, for
 * rows our own SQL inserts: consecutive ids stay close in the primary-key index.
 */
import { randomUUID } from 'node:crypto';

/** A new version-7 UUID: 48 bits of Unix milliseconds, the version, then random bits. */
export function uuidV7(now = Date.now()): string {
  // randomUUID (v4) already has the RFC variant bits; only the time and the version change.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
