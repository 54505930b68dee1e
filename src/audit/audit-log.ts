/**
 * The tamper-evident audit trail. Each event stores sha256(previous hash + canonical JSON of
 * the event); the database refuses UPDATE and DELETE. Appends from one process are grouped
 * into one transaction (group commit) under an advisory lock, so many nodes and many
 * concurrent executions still form a single valid chain.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { isDependencyUnavailable } from '../db/db-errors.js';
import type { SqlQueries, SqlRunner } from '../db/sql-runner.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { escapeAuditRecord } from './audit-escape.js';
import { canonicalJson } from './canonical-json.js';
import { redactSecrets } from './redaction.js';

/** The chain starts from this hash. */
export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK_KEY = 0x56494741; // "VIGA"

type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';

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
  return createHash('sha256').update(prevHash).update(canonicalJson(hashedFields(record))).digest('hex');
}

interface Pending {
  record: Omit<AuditRecord, 'id' | 'prevHash' | 'hash'>;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

/**
 * The event carried text the database cannot store as is; it was stored in escaped form
 * (never dropped) and only the request that carried it sees this error (400).
 */
export class AuditEscapedError extends AppError {
  constructor(readonly auditId: string) {
    super('invalid_text', 400, 'The request carried text that cannot be stored as is (a NUL byte or a lone UTF-16 surrogate, for instance); it was recorded in the audit log in escaped form and not carried out', { auditId });
  }
}

/**
 * Appends events, batching concurrent appends into one transaction. A batch the database
 * refuses is retried event by event; an event still refused is stored escaped (see
 * audit-escape.ts) and only its caller gets an error. When the database is down, every
 * caller of the batch gets the connection error (answered 503) and nothing is half-written.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private readonly listeners = new Set<(record: AuditRecord) => void>();
  /** Hash of the last event this instance stored: the chain's head unless another writer appended since. */
  private head: string | undefined;

  constructor(
    private readonly sql: SqlRunner,
    private readonly maxBatch = 500,
    private readonly logger?: Logger,
  ) {}

  /** Called with every stored event (the realtime gateway forwards them to admins). */
  onAppend(listener: (record: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores one event; resolves once it is committed with its hash. */
  append(input: AuditInput): Promise<AuditRecord> {
    const record = {
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
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Waits for every queued event to be written. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Yield once so appends made in the same tick (e.g. an execution's "proposed" and
    // "started") share one transaction instead of the first one committing alone.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const stored = await this.writeBatch(batch.map((item) => item.record));
          batch.forEach((item, index) => item.resolve(stored[index]!));
          this.notify(stored);
        } catch (error) {
          if (isDependencyUnavailable(error)) batch.forEach((item) => item.reject(error));
          else {
            this.logger?.warn({ err: error, events: batch.length }, 'audit batch refused; retrying event by event');
            for (const item of batch) await this.writeAlone(item, batch.length === 1 ? error : undefined);
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** One event on its own; if refused again, its escaped form, and an error for its caller only. */
  private async writeAlone(item: Pending, knownError?: unknown): Promise<void> {
    let refusal = knownError;
    if (refusal === undefined) {
      try {
        const [stored] = await this.writeBatch([item.record]);
        item.resolve(stored!);
        this.notify([stored!]);
        return;
      } catch (error) {
        if (isDependencyUnavailable(error)) return item.reject(error);
        refusal = error;
      }
    }
    const reason = refusal instanceof Error ? refusal.message : String(refusal);
    try {
      const [stored] = await this.writeBatch([escapeAuditRecord(item.record, reason)]);
      this.logger?.warn({ err: refusal, auditId: stored!.id, action: stored!.action }, 'audit event stored in escaped form');
      this.notify([stored!]);
      item.reject(new AuditEscapedError(stored!.id));
    } catch (error) {
      this.logger?.error({ err: error, action: item.record.action }, 'audit event could not be stored, even escaped');
      item.reject(error);
    }
  }

  private notify(stored: AuditRecord[]): void {
    for (const record of stored) for (const listener of this.listeners) listener(record);
  }

  /**
   * Writes one batch under the chain's advisory lock. The hash of the last event this
   * process stored is kept, and the INSERT only takes effect if it still is the chain's head
   * (read under the lock, in the same statement): the common case costs one statement, and
   * when another node appended meanwhile the head is read and the batch chained again.
   */
  private async writeBatch(records: Pending['record'][]): Promise<AuditRecord[]> {
    const expected = this.head;
    const written = await this.sql.transaction(async (locked) => {
      if (expected !== undefined) {
        const stored = await this.insertChained(locked, records, expected, true);
        if (stored) return stored;
      }
      const last = await locked.query<{ hash: string }>('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1');
      return (await this.insertChained(locked, records, last[0]?.hash ?? GENESIS_HASH, false))!;
    }, AUDIT_LOCK_KEY);
    this.head = written[written.length - 1]?.hash ?? this.head;
    return written;
  }

  /** Chains `records` after `prevHash` and inserts them; `null` when `onlyIfHead` and `prevHash` is no longer the head. */
  private async insertChained(locked: SqlQueries, records: Pending['record'][], prevHash: string, onlyIfHead: boolean): Promise<AuditRecord[] | null> {
    let previous = prevHash;
    const chained = records.map((record) => {
      const hash = chainHash(previous, record);
      const entry = { ...record, prevHash: previous, hash };
      previous = hash;
      return entry;
    });
    const rows = await locked.query<{ id: string }>(
      `INSERT INTO audit_events (created_at, action, status, actor_id, actor_name, channel, external_ids,
         conversation_id, tool, execution_id, arguments, approver_id, duration_ms, result_digest, details,
         trace_id, prev_hash, hash)
       SELECT e.created_at, e.action, e.status, e.actor_id, e.actor_name, e.channel::"Channel", e.external_ids,
         e.conversation_id, e.tool, e.execution_id, e.arguments, e.approver_id, e.duration_ms, e.result_digest,
         e.details, e.trace_id, e.prev_hash, e.hash
       FROM jsonb_to_recordset($1::jsonb) AS e(created_at timestamptz, action text, status text, actor_id uuid,
         actor_name text, channel text, external_ids jsonb, conversation_id uuid, tool text, execution_id uuid,
         arguments jsonb, approver_id uuid, duration_ms int, result_digest text, details jsonb, trace_id text,
         prev_hash text, hash text, ordinal int)
       WHERE NOT $2::boolean OR $3::text = (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)
       ORDER BY e.ordinal
       RETURNING id::text`,
      [
        JSON.stringify(
          chained.map((entry, ordinal) => ({
            created_at: entry.createdAt,
            action: entry.action,
            status: entry.status,
            actor_id: entry.actorId,
            actor_name: entry.actorName,
            channel: entry.channel,
            external_ids: entry.externalIds,
            conversation_id: entry.conversationId,
            tool: entry.tool,
            execution_id: entry.executionId,
            arguments: entry.arguments,
            approver_id: entry.approverId,
            duration_ms: entry.durationMs,
            result_digest: entry.resultDigest,
            details: entry.details,
            trace_id: entry.traceId,
            prev_hash: entry.prevHash,
            hash: entry.hash,
            ordinal,
          })),
        ),
        onlyIfHead,
        prevHash,
      ],
    );
    if (rows.length === 0 && chained.length > 0) return null;
    const ids = rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    return chained.map((entry, index) => ({ ...entry, id: ids[index]! }));
  }
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
