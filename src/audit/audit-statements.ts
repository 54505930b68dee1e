/**
 * The statements of an audit batch: chaining events after a hash, the INSERT that stores
 * them (one JSON array of records), the guard that stops a one-round-trip batch when the
 * chain's head moved, and literal values for a statement sent without parameters (the
 * simple protocol runs several statements in one round trip but takes no parameters).
 */
import { chainHash, type AuditRecord, type Unhashed } from './audit-chain.js';

/** An event chained after the previous one, not stored yet. */
export type Chained = Omit<AuditRecord, 'id'>;

/** The SQLSTATE the head guard raises (a code of our own: nothing else raises it). */
export const HEAD_MOVED_CODE = 'VGH01';

/** Chains `records` after `prevHash`. */
export function chainAfter(records: Unhashed[], prevHash: string): Chained[] {
  let previous = prevHash;
  return records.map((record) => {
    const hash = chainHash(previous, record);
    const entry = { ...record, prevHash: previous, hash };
    previous = hash;
    return entry;
  });
}

/**
 * Inserts the chained events of $1 (see auditRecordsJson); with $2 true, only if $3 is still
 * the chain's head (read under the lock, in the same statement). Returns their ids.
 */
export const AUDIT_INSERT_SQL = `INSERT INTO audit_events (created_at, action, status, actor_id, actor_name, channel, external_ids,
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
  RETURNING id::text`;

/** The JSON array AUDIT_INSERT_SQL reads ($1). */
export function auditRecordsJson(chained: Chained[]): string {
  return JSON.stringify(
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
  );
}

/** The stored events: `chained` with the ids the INSERT returned (in id order, which is the chain's order). */
export function withIds(chained: Chained[], rows: Array<{ id: string }>): AuditRecord[] {
  const ids = rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  return chained.map((entry, index) => ({ ...entry, id: ids[index]! }));
}

/**
 * A statement (no parameters) that fails with HEAD_MOVED_CODE unless `expected` is the chain's
 * head. Run after the lock, it reads every append committed before (a statement of its own
 * takes its own snapshot), so the INSERTs after it chain onto the real head.
 */
export function headGuardStatement(expected: string): string {
  return `DO $guard$ BEGIN
    IF (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1) IS DISTINCT FROM ${sqlLiteral(expected)} THEN
      RAISE EXCEPTION 'the audit chain head moved' USING ERRCODE = '${HEAD_MOVED_CODE}';
    END IF;
  END $guard$`;
}

/**
 * `text` with its `$n` parameters replaced by literals (one pass, so a value that contains
 * `$1` is never substituted again). For our own statements only, whose text holds no `$n`
 * inside quotes.
 */
export function inlineParameters(text: string, params: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_match, index: string) => {
    const position = Number(index) - 1;
    if (position < 0 || position >= params.length) throw new RangeError(`no parameter $${index}`);
    return sqlLiteral(params[position]);
  });
}

/** A value as an SQL literal: NULL, a number, a boolean, or an escaped string (E'…', whatever standard_conforming_strings says); objects as JSON text. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('not a finite number');
    return String(value);
  }
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  // The query text is a C string on the wire: a NUL would cut it short.
  if (text.includes('\u0000')) throw new RangeError('a NUL byte cannot be sent as a literal');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
