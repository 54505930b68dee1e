/**
 * Executions never stay `running`: an execution whose outcome could not be recorded (its
 * node crashed, the database blipped, its audit event was refused) is failed once its tool's
 * timeout plus a grace period has passed, with an `execution.abandoned` audit event. Every
 * node sweeps at start-up and periodically; the conditional UPDATE lets only one node win.
 */
import type { AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors.js';
import type { Execution, PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolRegistry } from '../tool-registry.js';

/** Used for rows whose tool is no longer registered. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
/** Default grace after a tool's own timeout before its execution counts as abandoned. */
export const DEFAULT_ABANDON_GRACE_MS = 60_000;

/** What the reaper needs. */
export interface ReaperDeps {
  prisma: PrismaClient;
  audit: AuditLog;
  registry: ToolRegistry;
  logger: Logger;
  now: () => Date;
  graceMs: number;
  /** Called with each execution the reaper failed (metrics, realtime announce). */
  onAbandoned?: (row: Execution) => void;
}

/** Fails one execution still in a non-final state; false if another writer decided it first. */
export async function abandonExecution(
  deps: ReaperDeps,
  row: Pick<Execution, 'id' | 'status'>,
  reason: string,
  code = 'abandoned',
): Promise<Execution | null> {
  const now = deps.now();
  const result = { status: 'error', error: { code, message: reason } };
  let updated: Execution;
  try {
    updated = await deps.prisma.execution.update({
      where: { id: row.id, status: { in: ['running', 'queued', 'pending_approval'] } },
      data: { status: 'failed', finishedAt: now, result },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2025') return null;
    throw error;
  }
  try {
    await deps.audit.append({
      action: 'execution.abandoned',
      status: 'failed',
      actorId: null,
      actorName: 'system',
      channel: updated.channel,
      externalIds: updated.externalIds as Record<string, unknown>,
      conversationId: updated.conversationId,
      tool: updated.tool,
      executionId: updated.id,
      arguments: updated.arguments,
      details: { reason, code, previousStatus: row.status },
      traceId: updated.traceId,
    });
  } catch (error) {
    // Stored escaped (AuditEscapedError) or the database is down: logged, never thrown at a sweep.
    deps.logger.warn({ err: error, executionId: updated.id }, 'execution.abandoned audit event not stored as is');
  }
  deps.onAbandoned?.(updated);
  return updated;
}

/**
 * Awaits `write` (an outcome and its audit event); if it fails (audit refused, database
 * down), fails the execution at once so it never lingers `running`, then rethrows.
 */
export async function abandonOnFailure<T>(deps: ReaperDeps, row: Pick<Execution, 'id' | 'status'>, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const [message, code] =
      error instanceof AppError ? [error.message, error.code] : ['The audit log could not record this execution', 'audit_failed'];
    await abandonExecution(deps, row, message, code).catch((failure: unknown) =>
      deps.logger.warn(
        { err: failure, executionId: row.id },
        'could not fail an execution whose audit event was refused (the sweeper will)',
      ),
    );
    throw error;
  }
}

/** Fails every `running` execution past its tool's timeout plus the grace period. */
export async function sweepAbandoned(deps: ReaperDeps): Promise<number> {
  const now = deps.now().getTime();
  const candidates = await deps.prisma.execution.findMany({
    where: { status: 'running', startedAt: { lte: new Date(now - deps.graceMs) } },
    orderBy: { startedAt: 'asc' },
    take: 500,
  });
  let abandoned = 0;
  for (const row of candidates) {
    const timeoutMs = deps.registry.get(row.tool)?.tool.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    const started = (row.startedAt ?? row.createdAt).getTime();
    if (started + timeoutMs + deps.graceMs > now) continue;
    const reason = `No outcome was recorded within ${timeoutMs} ms (timeout) + ${deps.graceMs} ms (grace); the node running it stopped or lost the database`;
    if (await abandonExecution(deps, row, reason)) abandoned += 1;
  }
  return abandoned;
}
