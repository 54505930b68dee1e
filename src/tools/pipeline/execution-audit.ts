/**
 * Execution state changes and the audit events that record them, written in one transaction
 * (AuditLog.appendWith, inside its group commit): a new row and its `proposed` event, each
 * transition and its event, an outcome and its event commit together or not at all, so the
 * trail never shows a change that did not happen, nor misses one that did.
 */
import { createHash } from 'node:crypto';
import type { AuditInput, AuditLog } from '../../audit/audit-log.js';
import { canonicalJson } from '../../audit/canonical-json.js';
import type { Principal } from '../../auth/principal.js';
import type { Execution } from '../../generated/prisma/client.js';
import type { ToolChannel } from '../tool-contract.js';
import { finishExecution, insertExecution, transitionExecution, type ExecutionChanges, type NewExecution } from './execution-store.js';

/** What an execution event adds to the row's own fields. */
export interface ExecutionEventExtra {
  channel?: ToolChannel;
  approverId?: string;
  durationMs?: number;
  resultDigest?: string;
  details?: Record<string, unknown>;
}

/** One stage of an execution, as the audit event that records it. */
export interface ExecutionStage {
  stage: string;
  actor: Principal | null;
  extra?: ExecutionEventExtra;
}

/** The requester of a row, as a principal (for stages the system runs on their behalf). */
export const requesterOf = (row: Execution): Principal => ({
  userId: row.requesterId,
  userName: row.requesterName,
  role: row.requesterRole,
  tokenId: null,
});

/** sha256 of the canonical JSON of a result: what the audit log keeps of it. */
export const digest = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The audit event of `stage` for `row`. */
export function executionEvent(row: Execution, { stage, actor, extra = {} }: ExecutionStage): AuditInput {
  return {
    action: `execution.${stage}`,
    status: stage,
    actorId: actor?.userId ?? null,
    actorName: actor?.userName ?? 'system',
    channel: extra.channel ?? row.channel,
    externalIds: row.externalIds as Record<string, unknown>,
    conversationId: row.conversationId,
    tool: row.tool,
    executionId: row.id,
    arguments: row.arguments,
    approverId: extra.approverId ?? row.approverId,
    durationMs: extra.durationMs ?? null,
    resultDigest: extra.resultDigest ?? null,
    details: extra.details ?? {},
    traceId: row.traceId,
  };
}

/** The fields of a new row that come from the request, the tool and the requester. */
export function requestedRow(
  principal: Principal,
  request: {
    channel: ToolChannel;
    externalIds?: Record<string, string> | undefined;
    conversationId?: string | null | undefined;
    traceId: string;
    locale: string | null;
  },
  tool: { tool: string; toolset: string; risk: string },
  args: unknown,
): Omit<NewExecution, 'status' | 'startedAt' | 'expiresAt'> {
  return {
    tool: tool.tool,
    toolset: tool.toolset,
    riskLevel: tool.risk,
    arguments: args,
    requesterId: principal.userId,
    requesterName: principal.userName,
    requesterRole: principal.role,
    channel: request.channel,
    externalIds: request.externalIds ?? {},
    conversationId: request.conversationId ?? null,
    locale: request.locale,
    traceId: request.traceId,
  };
}

/** Inserts a new execution and records its first stages in the same transaction. */
export async function insertAudited(audit: AuditLog, data: NewExecution, stages: ExecutionStage[]): Promise<Execution> {
  const { result } = await audit.appendWith(
    (tx) => insertExecution(tx, data),
    (row) => stages.map((stage) => executionEvent(row, stage)),
  );
  return result;
}

/** Moves an execution out of one of `from` and records `stage`, atomically; null when another writer moved it first. */
export async function transitionAudited(
  audit: AuditLog,
  id: string,
  from: string[],
  changes: ExecutionChanges,
  stage: (row: Execution) => ExecutionStage,
): Promise<Execution | null> {
  const { result } = await audit.appendWith(
    (tx) => transitionExecution(tx, id, from, changes),
    (row) => (row ? [executionEvent(row, stage(row))] : []),
  );
  return result;
}

/** Stores the outcome of a running execution and records it, atomically; null when it was no longer running. */
export async function finishAudited(
  audit: AuditLog,
  id: string,
  outcome: { status: string; finishedAt: Date; durationMs: number; result: unknown },
  actor: Principal,
): Promise<Execution | null> {
  const { result } = await audit.appendWith(
    (tx) => finishExecution(tx, id, 'running', outcome),
    (row) =>
      row
        ? [
            executionEvent(row, {
              stage: outcome.status,
              actor,
              extra: { durationMs: outcome.durationMs, resultDigest: digest(outcome.result) },
            }),
          ]
        : [],
  );
  return result;
}
