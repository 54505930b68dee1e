/**
 * The execution writes (the new row, its transitions, its outcome) as single statements on
 * the driver, so each can run inside the audit transaction that records it. The two every
 * command makes (the row in, then its outcome) are prepared: Prisma's query compiler and
 * result mapping cost more CPU than the rest of a routed read command (docs/performance.md).
 * Rows come back in Prisma's `Execution` shape, so the rest of the pipeline is unchanged.
 */
import type { BatchedChange } from '../../audit/audit-log.js';
import type { Execution } from '../../generated/prisma/client.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { uuidV7 } from '../../db/uuid-v7.js';

const COLUMNS = `id, tool, toolset, risk_level AS "riskLevel", arguments, status, requester_id AS "requesterId",
  requester_name AS "requesterName", requester_role AS "requesterRole", channel, external_ids AS "externalIds",
  conversation_id AS "conversationId", approver_id AS "approverId", decided_at AS "decidedAt", expires_at AS "expiresAt",
  started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", result, progress, preview, locale,
  trace_id AS "traceId", created_at AS "createdAt", updated_at AS "updatedAt"`;

const INSERT_SQL = `INSERT INTO executions (id, tool, toolset, risk_level, arguments, status, started_at, requester_id,
    requester_name, requester_role, channel, external_ids, conversation_id, expires_at, trace_id, preview, locale, finished_at, result,
    created_at, updated_at)
  VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6, $7::timestamptz, $8::uuid, $9, $10::"Role", $11::"Channel", $12::jsonb,
    $13::uuid, $14::timestamptz, $15, $16::jsonb, $17, $18::timestamptz, $19::jsonb, now(), now())
  RETURNING ${COLUMNS}`;

// Many finished rows in one statement (one group commit's inline reads): one JSON array of records.
const INSERT_MANY_SQL = `INSERT INTO executions (id, tool, toolset, risk_level, arguments, status, started_at, requester_id,
    requester_name, requester_role, channel, external_ids, conversation_id, expires_at, trace_id, preview, locale, finished_at,
    duration_ms, result, created_at, updated_at)
  SELECT r.id, r.tool, r.toolset, r.risk_level, r.arguments, r.status, r.started_at, r.requester_id, r.requester_name,
    r.requester_role::"Role", r.channel::"Channel", r.external_ids, r.conversation_id, r.expires_at, r.trace_id, r.preview, r.locale,
    r.finished_at, r.duration_ms, r.result, r.created_at, now()
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, tool text, toolset text, risk_level text, arguments jsonb, status text,
    started_at timestamptz, requester_id uuid, requester_name text, requester_role text, channel text, external_ids jsonb,
    conversation_id uuid, expires_at timestamptz, trace_id text, preview jsonb, locale text, finished_at timestamptz,
    duration_ms int, result jsonb, created_at timestamptz)
  RETURNING ${COLUMNS}`;

const FINISH_SQL = `UPDATE executions SET status = $3, finished_at = $4::timestamptz, duration_ms = $5, result = $6::jsonb, updated_at = now()
  WHERE id = $1::uuid AND status = $2
  RETURNING ${COLUMNS}`;

/** The fields of a new execution row. */
export interface NewExecution {
  /** Chosen by the caller when it must know it before the row is stored (an inline read); else a new v7 id. */
  id?: string;
  tool: string;
  toolset: string;
  riskLevel: string;
  arguments: unknown;
  status: string;
  startedAt: Date | null;
  requesterId: string;
  requesterName: string;
  requesterRole: string;
  channel: string;
  externalIds: Record<string, string>;
  conversationId: string | null;
  expiresAt: Date | null;
  traceId: string;
  /** What approving will do (result view, issue 23); null when no approval is needed. */
  preview?: unknown;
  /** The requester's language (`en`, `fr`); null: the default language. */
  locale?: string | null;
  /** Set for rows born final (a refused call). */
  finishedAt?: Date | null;
  result?: unknown;
}

/** A row written once, already finished (an inline read run before it is stored): its id and times are known. */
export interface FinishedExecution extends NewExecution {
  id: string;
  createdAt: Date;
  finishedAt: Date;
  durationMs: number;
  result: unknown;
}

/** Columns a transition may set (status always). */
export interface ExecutionChanges {
  status: string;
  approverId?: string;
  decidedAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  result?: unknown;
}

const TRANSITION_COLUMNS: Array<[keyof Omit<ExecutionChanges, 'status'>, string]> = [
  ['approverId', 'approver_id = $N::uuid'],
  ['decidedAt', 'decided_at = $N::timestamptz'],
  ['startedAt', 'started_at = $N::timestamptz'],
  ['finishedAt', 'finished_at = $N::timestamptz'],
  ['result', 'result = $N::jsonb'],
];

const runner = (sql: SqlQueries) => sql.queryPrepared?.bind(sql) ?? sql.query.bind(sql);

/** Inserts a new execution (its own id, else a v7 id like Prisma's default) and returns its row. */
export async function insertExecution(sql: SqlQueries, data: NewExecution): Promise<Execution> {
  const [row] = await runner(sql)<Execution>(INSERT_SQL, [
    data.id ?? uuidV7(),
    data.tool,
    data.toolset,
    data.riskLevel,
    JSON.stringify(data.arguments ?? {}),
    data.status,
    data.startedAt,
    data.requesterId,
    data.requesterName,
    data.requesterRole,
    data.channel,
    JSON.stringify(data.externalIds),
    data.conversationId,
    data.expiresAt,
    data.traceId,
    data.preview === undefined || data.preview === null ? null : JSON.stringify(data.preview),
    data.locale ?? null,
    data.finishedAt ?? null,
    data.result === undefined ? null : JSON.stringify(data.result),
  ]);
  return row!;
}

/**
 * Finished rows (many callers' inline reads, one audit batch) in ONE multi-row INSERT; each
 * row is known before it is stored (`predict`), so its events are too and the audit batch can
 * go in one round trip.
 */
export const FINISHED_EXECUTIONS: BatchedChange<FinishedExecution, Execution> = {
  statement: (rows) => ({ text: INSERT_MANY_SQL, params: [JSON.stringify(rows.map(recordOf))] }),
  results: (stored, rows) => {
    const byId = new Map((stored as Execution[]).map((row) => [row.id, row]));
    return rows.map((data) => {
      const row = byId.get(data.id);
      if (!row) throw new Error(`execution ${data.id} was not stored`);
      return row;
    });
  },
  predict: (data) => rowOf(data),
};

/** The row `data` will be once stored (its id and times chosen by the caller). */
export function rowOf(data: NewExecution & { id: string; createdAt: Date; durationMs?: number | null }): Execution {
  return {
    id: data.id,
    tool: data.tool,
    toolset: data.toolset,
    riskLevel: data.riskLevel,
    arguments: (data.arguments ?? {}) as Execution['arguments'],
    status: data.status,
    requesterId: data.requesterId,
    requesterName: data.requesterName,
    requesterRole: data.requesterRole as Execution['requesterRole'],
    channel: data.channel as Execution['channel'],
    externalIds: data.externalIds,
    conversationId: data.conversationId,
    approverId: null,
    decidedAt: null,
    expiresAt: data.expiresAt,
    startedAt: data.startedAt,
    finishedAt: data.finishedAt ?? null,
    durationMs: data.durationMs ?? null,
    result: (data.result ?? null) as Execution['result'],
    progress: null,
    preview: (data.preview ?? null) as Execution['preview'],
    locale: data.locale ?? null,
    traceId: data.traceId,
    createdAt: data.createdAt,
    updatedAt: data.createdAt,
  };
}

/** One record of INSERT_MANY_SQL's JSON array. */
function recordOf(data: FinishedExecution) {
  return {
    id: data.id,
    tool: data.tool,
    toolset: data.toolset,
    risk_level: data.riskLevel,
    arguments: data.arguments ?? {},
    status: data.status,
    started_at: data.startedAt,
    requester_id: data.requesterId,
    requester_name: data.requesterName,
    requester_role: data.requesterRole,
    channel: data.channel,
    external_ids: data.externalIds,
    conversation_id: data.conversationId,
    expires_at: data.expiresAt,
    trace_id: data.traceId,
    preview: data.preview ?? null,
    locale: data.locale ?? null,
    finished_at: data.finishedAt,
    duration_ms: data.durationMs,
    result: data.result ?? null,
    created_at: data.createdAt,
  };
}

/**
 * Moves an execution from one of the `from` statuses (one conditional UPDATE … RETURNING,
 * so only one writer wins); `null` when it was in none of them.
 */
export async function transitionExecution(
  sql: SqlQueries,
  id: string,
  from: string[],
  changes: ExecutionChanges,
): Promise<Execution | null> {
  const params: unknown[] = [id, JSON.stringify(from), changes.status];
  const sets = ['status = $3'];
  for (const [key, clause] of TRANSITION_COLUMNS) {
    const value = changes[key];
    if (value === undefined) continue;
    params.push(key === 'result' ? JSON.stringify(value) : value);
    sets.push(clause.replace('$N', `$${params.length}`));
  }
  const [row] = await sql.query<Execution>(
    `UPDATE executions SET ${sets.join(', ')}, updated_at = now() WHERE id = $1::uuid AND status IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING ${COLUMNS}`,
    params,
  );
  return row ?? null;
}

/**
 * Records the outcome of an execution still in status `from` (one conditional UPDATE …
 * RETURNING, so only one finisher wins); `null` when it was no longer in that status.
 */
export async function finishExecution(
  sql: SqlQueries,
  id: string,
  from: string,
  outcome: { status: string; finishedAt: Date; durationMs: number; result: unknown },
): Promise<Execution | null> {
  const [row] = await runner(sql)<Execution>(FINISH_SQL, [
    id,
    from,
    outcome.status,
    outcome.finishedAt,
    outcome.durationMs,
    JSON.stringify(outcome.result),
  ]);
  return row ?? null;
}
