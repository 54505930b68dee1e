/**
 * Resolves bearer tokens to principals for REST and sockets. A short-lived cache keeps the
 * hot path off the database (the API bench runs thousands of requests a second), and
 * last-used times are written at most once a minute per token.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { AccessChange } from './access-changes.js';
import type { Principal } from './principal.js';
import { lowerRole } from './roles.js';
import { hashToken } from './token-codec.js';

/**
 * Authenticates raw tokens; `forget` drops cached entries after a revoke or role change:
 * those of one token or user, or all of them without an argument.
 */
export interface TokenAuthenticator {
  authenticate(token: string): Promise<Principal | null>;
  forget(change?: AccessChange): void;
}

interface CacheEntry {
  principal: Principal | null;
  expiresAt: number;
}

/** Options: how long a lookup is trusted, and how often last-used is persisted. */
export interface TokenAuthenticatorOptions {
  cacheTtlMs?: number;
  lastUsedIntervalMs?: number;
  maxEntries?: number;
}

/** Builds the authenticator over the users and api_tokens tables. */
export function createTokenAuthenticator(prisma: PrismaClient, options: TokenAuthenticatorOptions = {}): TokenAuthenticator {
  const cacheTtlMs = options.cacheTtlMs ?? 2_000;
  const lastUsedIntervalMs = options.lastUsedIntervalMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  // Concurrent requests with the same token share one lookup when the cache entry expires.
  const inFlight = new Map<string, Promise<Principal | null>>();
  const lastUsedWrites = new Map<string, number>();
  // Bumped by every forget: a lookup that started before it may have read the old row, so
  // its result is returned to its caller but not cached.
  let generation = 0;

  async function lookup(hash: string): Promise<Principal | null> {
    const row = await prisma.apiToken.findUnique({
      where: { tokenHash: hash },
      select: {
        id: true,
        role: true,
        revokedAt: true,
        expiresAt: true,
        user: { select: { id: true, name: true, role: true, disabledAt: true } },
      },
    });
    if (!row || row.revokedAt || row.user.disabledAt) return null;
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return null;
    return { userId: row.user.id, userName: row.user.name, role: lowerRole(row.role, row.user.role), tokenId: row.id };
  }

  function touch(tokenId: string): void {
    const now = Date.now();
    if ((lastUsedWrites.get(tokenId) ?? 0) + lastUsedIntervalMs > now) return;
    lastUsedWrites.set(tokenId, now);
    prisma.apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }

  return {
    async authenticate(token) {
      if (!token || token.length > 200) return null;
      const hash = hashToken(token);
      const now = Date.now();
      let entry = cache.get(hash);
      if (!entry || entry.expiresAt <= now) {
        let pending = inFlight.get(hash);
        const startedAt = generation;
        if (!pending) {
          const started = lookup(hash).finally(() => {
            if (inFlight.get(hash) === started) inFlight.delete(hash);
          });
          pending = started;
          inFlight.set(hash, pending);
        }
        const principal = await pending;
        entry = { principal, expiresAt: Date.now() + cacheTtlMs };
        if (startedAt === generation) {
          if (cache.size >= maxEntries) cache.clear();
          cache.set(hash, entry);
        }
      }
      if (entry.principal?.tokenId) touch(entry.principal.tokenId);
      return entry.principal;
    },
    forget(change) {
      generation += 1;
      inFlight.clear();
      if (!change) {
        cache.clear();
        return;
      }
      for (const [hash, cached] of cache) {
        const principal = cached.principal;
        if (!principal) continue;
        if (change.kind === 'token' ? principal.tokenId === change.tokenId : principal.userId === change.userId) cache.delete(hash);
      }
    },
  };
}

/** Extracts the token from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
