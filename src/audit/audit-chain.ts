/**
 * The audit chain's data and arithmetic: what an event holds, how it is hashed after the
 * previous one, how rows read back, and the walk that verifies the chain. The writer
 * (audit-log.ts) and the verifiers (anchors, REST, CLI) share it.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { canonicalJson } from './canonical-json.js';
import { redactSecrets } from './redaction.js';

/** The chain starts from this hash. */
export const GENESIS_HASH = '0'.repeat(64);
/** Where an event came from. */
export type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';

/** What callers record; arguments are redacted before hashing. */
export interface AuditInput {
  action: string;
  status?: string;
  actorId?: string | null;
  actorName?: string | null;
  channel?: Channel;
  externalIds?: Record<string, unknown>;
  conversationId?: string | null;
  tool?: string | null;
  executionId?: string | null;
  arguments?: unknown;
  approverId?: string | null;
  durationMs?: number | null;
  resultDigest?: string | null;
  details?: Record<string, unknown>;
  traceId?: string | null;
}

/** A stored event. */
export interface AuditRecord {
  id: string;
  createdAt: string;
  action: string;
  status: string;
  actorId: string | null;
  actorName: string | null;
  channel: Channel;
  externalIds: Record<string, unknown>;
  conversationId: string | null;
  tool: string | null;
  executionId: string | null;
  arguments: unknown;
  approverId: string | null;
  durationMs: number | null;
  resultDigest: string | null;
  details: Record<string, unknown>;
  traceId: string | null;
  prevHash: string;
  hash: string;
}

/** The hashed part of an event: everything but id, prevHash and hash. */
export function hashedFields(record: Omit<AuditRecord, 'id' | 'prevHash' | 'hash'>) {
  return {
    createdAt: record.createdAt,
    action: record.action,
    status: record.status,
    actorId: record.actorId,
    actorName: record.actorName,
    channel: record.channel,
    externalIds: record.externalIds,
    conversationId: record.conversationId,
    tool: record.tool,
    executionId: record.executionId,
    arguments: record.arguments,
    approverId: record.approverId,
    durationMs: record.durationMs,
    resultDigest: record.resultDigest,
    details: record.details,
    traceId: record.traceId,
  };
}

/** sha256(prevHash + canonical JSON). */
export function chainHash(prevHash: string, record: Omit<AuditRecord, 'id' | 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedFields(record)))
    .digest('hex');
}

/** An event before it is chained: everything but id, prevHash and hash. */
export type Unhashed = Omit<AuditRecord, 'id' | 'prevHash' | 'hash'>;

/** The unhashed stored form of one input (arguments and details redacted). */
export function auditRecordOf(input: AuditInput): Unhashed {
  return {
    createdAt: new Date().toISOString(),
    action: input.action,
    status: input.status ?? 'succeeded',
    actorId: input.actorId || null,
    actorName: input.actorName ?? null,
    channel: input.channel ?? 'api',
    externalIds: input.externalIds ?? {},
    conversationId: input.conversationId ?? null,
    tool: input.tool ?? null,
    executionId: input.executionId ?? null,
    arguments: redactSecrets(input.arguments ?? {}),
    approverId: input.approverId ?? null,
    durationMs: input.durationMs ?? null,
    resultDigest: input.resultDigest ?? null,
    details: (redactSecrets(input.details ?? {}) as Record<string, unknown>) ?? {},
    traceId: input.traceId ?? null,
  };
}

/** Reads events back in the shape they were hashed in. */
export function auditRecordFromRow(row: {
  id: bigint;
  createdAt: Date;
  action: string;
  status: string;
  actorId: string | null;
  actorName: string | null;
  channel: Channel;
  externalIds: unknown;
  conversationId: string | null;
  tool: string | null;
  executionId: string | null;
  arguments: unknown;
  approverId: string | null;
  durationMs: number | null;
  resultDigest: string | null;
  details: unknown;
  traceId: string | null;
  prevHash: string;
  hash: string;
}): AuditRecord {
  return {
    ...row,
    id: row.id.toString(),
    createdAt: row.createdAt.toISOString(),
    externalIds: (row.externalIds ?? {}) as Record<string, unknown>,
    details: (row.details ?? {}) as Record<string, unknown>,
  };
}

/**
 * Walks the chain in id order and reports the first event whose hash does not match.
 * `visit` sees each event that verified, with its 1-based position (anchor checks use it).
 */
export async function verifyAuditChain(
  prisma: PrismaClient,
  batchSize = 2000,
  visit?: (record: AuditRecord, position: number) => void,
): Promise<{ ok: boolean; checked: number; firstBrokenId: string | null }> {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let after: bigint | undefined;
  for (;;) {
    const rows = await prisma.auditEvent.findMany({
      where: after === undefined ? {} : { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return { ok: true, checked, firstBrokenId: null };
    for (const row of rows) {
      const record = auditRecordFromRow(row);
      const expected = chainHash(prevHash, record);
      if (record.prevHash !== prevHash || record.hash !== expected) {
        return { ok: false, checked, firstBrokenId: record.id };
      }
      prevHash = record.hash;
      checked += 1;
      visit?.(record, checked);
    }
    after = rows[rows.length - 1]!.id;
  }
}
