/**
 * Inline reads run first and are stored once (issue 18): a read tool with no side effect runs
 * before its execution row exists, then the finished row and ALL its audit events (proposed,
 * started, the outcome) commit in ONE group-committed audit transaction, with the rows of the
 * other reads of the same batch in one multi-row INSERT, before the caller gets its answer.
 * A routed read waits for one shared transaction instead of two, and makes no single-row
 * statement of its own.
 *
 * The answer is still durable before it is given. What a process that dies mid-read leaves
 * behind is nothing at all (the read changed nothing); approvals, writes and durable tools
 * keep the row-first path. A read that outlasts `windowMs`, or reports progress, is stored
 * as `running` with its proposed and started events at that moment (the row-first path from
 * there on: visible, cancellable, reaped if its node dies), so only short reads skip it.
 */
import type { AuditLog } from '../../audit/audit-log.js';
import type { Locale } from '../../contracts/i18n.js';
import { uuidV7 } from '../../db/uuid-v7.js';
import type { Execution } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolRegistry } from '../tool-registry.js';
import { digest, executionEvent, insertAudited, requesterOf, type ExecutionStage } from './execution-audit.js';
import type { ExecutionMetrics } from './execution-metrics.js';
import { FINISHED_EXECUTIONS, rowOf, type FinishedExecution, type NewExecution } from './execution-store.js';
import type { ExecutionView } from './execution-view.js';
import type { ProgressChains } from './progress-chains.js';
import { runRowTool } from './row-runner.js';
import type { RunReport } from './tool-runner.js';
import type { TranslatorCache } from './translator-cache.js';

/** How long a read may run before its row is stored as `running` (the row-first path). */
export const DEFAULT_READ_FIRST_WINDOW_MS = 1_000;

// What JSON.stringify writes for text PostgreSQL refuses (NUL, a lone surrogate); a literal
// backslash-u in the data matches too, which only sends that request down the row-first path.
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

/** False when the row holds text the database may refuse: the row-first path then refuses it before the tool runs. */
export function mayRunFirst(data: NewExecution, stages: ExecutionStage[]): boolean {
  return !UNSTORABLE_ESCAPE.test(JSON.stringify([data, stages.map((stage) => stage.extra ?? null)]));
}

/** What a read-first run needs from the execution service. */
export interface ReadFirstDeps {
  audit: AuditLog;
  registry: ToolRegistry;
  logger: Logger;
  defaultLocale?: Locale | undefined;
  progress: ProgressChains;
  controllers: Map<string, AbortController>;
  now: () => Date;
  windowMs: number;
  metrics: ExecutionMetrics;
  translators: TranslatorCache;
  /** Tells the clients (realtime) about a stored row. */
  announce: (row: Execution) => void;
  /** Refuses a request whose stored form the database refused (refuseUnstorable). */
  refuse: (error: unknown) => Promise<never>;
  /** Records the outcome of a stored running row (the row-first path's end). */
  complete: (row: Execution, report: RunReport) => Promise<ExecutionView>;
  /** A finished row: metrics, announce, outcome message. */
  finished: (row: Execution, status: string) => ExecutionView;
}

/** Runs the read of `data` (status `running`, startedAt set) first, then stores it finished; see the module comment. */
export async function runReadFirst(
  deps: ReadFirstDeps,
  data: NewExecution,
  stages: ExecutionStage[],
  localeLater: Promise<Locale | null>,
): Promise<ExecutionView> {
  const id = uuidV7();
  const startedAt = data.startedAt ?? deps.now();
  const pending = rowOf({ ...data, id, createdAt: startedAt, startedAt });
  const controller = new AbortController();
  deps.controllers.set(id, controller);
  let promotion: Promise<Execution> | undefined;
  let ran = false;
  const store = (): Promise<Execution> => {
    promotion = localeLater
      .then((locale) => insertAudited(deps.audit, { ...data, id, locale }, stages))
      .catch(deps.refuse)
      .then((row) => {
        deps.announce(row);
        return row;
      });
    // Not stored: the read stops (its caller gets the storage error once it has).
    promotion.catch(() => controller.abort('not stored'));
    return promotion;
  };
  // Stored as running while it still runs (once): past the window, or on its first progress report.
  const promote = (): Promise<Execution> | undefined => (promotion || ran ? promotion : store());
  const timer = setTimeout(promote, deps.windowMs);
  const progress = {
    report: (executionId: string, update: { message: string; fraction?: number }) => {
      // A read that reports progress is a long one: stored first, its progress lands on the row after.
      const stored = promote();
      if (stored) deps.progress.after(executionId, stored);
      deps.progress.report(executionId, update);
    },
    settled: (executionId: string) => deps.progress.settled(executionId),
  };
  try {
    const { registry, logger, defaultLocale, translators } = deps;
    const report = await runRowTool({ registry, logger, defaultLocale, translators, progress, locale: localeLater }, pending, controller);
    ran = true;
    clearTimeout(timer);
    // A result the database may refuse goes the row-first way too, which fails such a run as before.
    if (!promotion && UNSTORABLE_ESCAPE.test(JSON.stringify(report.result))) store();
    if (promotion) return await deps.complete(await promotion, report);
    const finished: FinishedExecution = {
      ...data,
      locale: await localeLater,
      id,
      createdAt: startedAt,
      status: report.outcome,
      finishedAt: deps.now(),
      durationMs: report.durationMs,
      result: report.result,
    };
    const outcome: ExecutionStage = {
      stage: report.outcome,
      actor: requesterOf(pending),
      extra: { durationMs: report.durationMs, resultDigest: digest(report.result) },
    };
    const { result: row } = await deps.audit
      .appendBatched(FINISHED_EXECUTIONS, finished, (stored) => [...stages, outcome].map((stage) => executionEvent(stored, stage)))
      .catch((error: unknown) => deps.refuse(error));
    deps.metrics.duration.observe({ tool: row.tool }, report.durationMs / 1000);
    return deps.finished(row, report.outcome);
  } finally {
    clearTimeout(timer);
    deps.controllers.delete(id);
    deps.progress.delete(id);
  }
}
