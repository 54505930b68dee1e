/**
 * The two execution writes every command makes, as single prepared statements on the driver
 * (the row in, then its outcome): Prisma's query compiler and result mapping cost more CPU
 * than the rest of a routed read command (docs/performance.md). Rows come back in Prisma's
 * `Execution` shape, so the rest of the pipeline is unchanged.
 */
import type { Execution } from '../../generated/prisma/client.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { uuidV7 } from '../../db/uuid-v7.js';

const COLUMNS = `id, tool, toolset, risk_level AS "riskLevel", arguments, status, requester_id AS "requesterId",
  requester_name AS "requesterName", requester_role AS "requesterRole", channel, external_ids AS "externalIds",
  conversation_id AS "conversationId", approver_id AS "approverId", decided_at AS "decidedAt", expires_at AS "expiresAt",
  started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", result, progress, preview, locale,
  trace_id AS "traceId", created_at AS "createdAt", updated_at AS "updatedAt"`;

const INSERT_SQL = `INSERT INTO executions (id, tool, toolset, risk_level, arguments, status, started_at, requester_id,
    requester_name, requester_role, channel, external_ids, conversation_id, expires_at, trace_id, preview, locale, created_at, updated_at)
  VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6, $7::timestamptz, $8::uuid, $9, $10::"Role", $11::"Channel", $12::jsonb,
    $13::uuid, $14::timestamptz, $15, $16::jsonb, $17, now(), now())
  RETURNING ${COLUMNS}`;

const FINISH_SQL = `UPDATE executions SET status = $3, finished_at = $4::timestamptz, duration_ms = $5, result = $6::jsonb, updated_at = now()
  WHERE id = $1::uuid AND status = $2
  RETURNING ${COLUMNS}`;

/** The fields of a new execution row. */
export interface NewExecution {
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
}

const runner = (sql: SqlQueries) => sql.queryPrepared?.bind(sql) ?? sql.query.bind(sql);

/** Inserts a new execution (a v7 id, like Prisma's default) and returns its row. */
export async function insertExecution(sql: SqlQueries, data: NewExecution): Promise<Execution> {
  const [row] = await runner(sql)<Execution>(INSERT_SQL, [
    uuidV7(),
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
  ]);
  return row!;
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
  const [row] = await runner(sql)<Execution>(FINISH_SQL, [id, from, outcome.status, outcome.finishedAt, outcome.durationMs, JSON.stringify(outcome.result)]);
  return row ?? null;
}
