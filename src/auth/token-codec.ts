/**
 * Token material: tokens are random, shown once, and only their SHA-256 is stored, so a
 * database leak does not leak credentials.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Every Vigie token starts with this, so secret scanners can recognise one. */
export const TOKEN_PREFIX = 'vig_';

/** A fresh random token (256 bits). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A short, non-secret label to tell tokens apart in listings. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, 10);
}
