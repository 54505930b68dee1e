/**
 * The one execution pipeline every caller goes through (REST, router, agent, sockets, bots):
 * validate → authorize (role, channel allowlist) → approval for mutate/disruptive → run with
 * timeout and cancellation → store the result → audit every stage. State changes are
 * conditional updates on the row, so two nodes (or two approvers) can never both win.
 */
import { randomUUID } from 'node:crypto';
import { conversationFinder } from '../../actions/conversations.js';
import type { Principal } from '../../auth/principal.js';
import { assertMay } from '../../auth/policy.js';
import { AppError, ConflictError, ForbiddenError, UnavailableError } from '../../errors.js';
import type { Execution } from '../../generated/prisma/client.js';
import type { ToolChannel } from '../tool-contract.js';
import { createExecutionMetrics, type ExecutionMetrics } from './execution-metrics.js';
import { validateArguments } from './argument-validation.js';
import { abandonExecution, abandonOnFailure, DEFAULT_ABANDON_GRACE_MS, sweepAbandoned, type ReaperDeps } from './execution-reaper.js';
import { DEFAULT_REQUEUE_AFTER_MS } from './execution-requeue.js';
import { startExecutionSweeps } from './execution-sweeps.js';
import { executionView, FINAL_STATUSES, type ExecutionView } from './execution-view.js';
import { InProcessJobQueue, type ExecutionJobQueue } from './job-queue.js';
import { postOutcome, type Decision } from './execution-outcomes.js';
import { previewOf, translatorFor } from './result-views.js';
import { resolveLocale } from '../../contracts/i18n.js';
import { runRowTool } from './row-runner.js';
import { DEFAULT_READ_FIRST_WINDOW_MS, mayRunFirst, runReadFirst, type ReadFirstDeps } from './read-first.js';
import type { RunReport } from './tool-runner.js';
import { TranslatorCache } from './translator-cache.js';
import type { ExecutionChanges } from './execution-store.js';
import { assertMayDecide, listExecutions, visibleExecution, type ExecutionFilters } from './execution-queries.js';
import { ProgressChains } from './progress-chains.js';
import {
  digest,
  executionEvent,
  finishAudited,
  insertAudited,
  requestedRow,
  requesterOf,
  transitionAudited,
  type ExecutionStage,
} from './execution-audit.js';
import { assertMayRun, MAX_ARGUMENT_BYTES, refusedExecution, refuseUnstorable } from './execution-refusals.js';
import type { ApprovalHandler, ExecutionRequest, ExecutionServiceOptions } from './execution-types.js';

export type { ApprovalHandler, ExecutionRequest, ExecutionServiceOptions } from './execution-types.js';

/** Validates, authorizes, approves, runs and audits tool executions. */
export class ExecutionService implements ApprovalHandler {
  readonly jobs: ExecutionJobQueue;
  private readonly controllers = new Map<string, AbortController>();
  private readonly progressChains: ProgressChains;
  private readonly outcomes = new Set<Promise<void>>();
  private readonly metrics: ExecutionMetrics;
  private readonly translators = new TranslatorCache();
  private readonly now: () => Date;
  private stopSweeps: (() => void) | undefined;

  constructor(private readonly options: ExecutionServiceOptions) {
    this.jobs = options.jobs ?? new InProcessJobQueue();
    this.metrics = createExecutionMetrics(options.metrics);
    this.now = options.now ?? (() => new Date());
    this.progressChains = new ProgressChains(options.prisma, options.logger, (row) => this.announce(executionView(row)));
  }

  private get prisma() {
    return this.options.prisma;
  }
  private get approvalTtlMs() {
    return this.options.approvalTtlMs ?? 600_000;
  }

  private get reaper(): ReaperDeps {
    const { prisma, audit, registry, logger } = this.options;
    return {
      prisma,
      audit,
      registry,
      logger,
      now: this.now,
      graceMs: this.options.abandonGraceMs ?? DEFAULT_ABANDON_GRACE_MS,
      onAbandoned: (row) => this.finished(row, 'failed'),
    };
  }

  /** Starts the job worker, the approval-expiry sweeper and the abandoned-execution sweeper (also run once now: a restart after a crash). */
  async start(): Promise<void> {
    await this.jobs.start((id, attempt) => this.runExecution(id, attempt).then(() => undefined));
    this.stopSweeps = await startExecutionSweeps({
      prisma: this.prisma,
      registry: this.options.registry,
      jobs: this.jobs,
      logger: this.options.logger,
      now: this.now,
      expireStale: () => this.expireStale(),
      sweepAbandoned: () => this.sweepAbandoned(),
      sweepEveryMs: Math.max(1_000, Math.min(this.approvalTtlMs, 30_000, this.reaper.graceMs)),
      requeueAfterMs: this.options.requeueAfterMs ?? DEFAULT_REQUEUE_AFTER_MS,
    });
  }

  /** Fails `running` executions past their tool's timeout plus the grace (see execution-reaper.ts). */
  sweepAbandoned(): Promise<number> {
    return sweepAbandoned(this.reaper);
  }

  /** Stops the sweeper, cancels local runs and closes the queue. */
  async close(): Promise<void> {
    this.stopSweeps?.();
    await this.outcomesSettled();
    for (const controller of this.controllers.values()) controller.abort('shutdown');
    await this.jobs.close();
  }

  /** Proposes an execution; read tools run at once, others wait for approval. */
  async request(principal: Principal, request: ExecutionRequest): Promise<ExecutionView> {
    const registered = this.options.registry.resolve(request.tool);
    if (!registered) throw new AppError('unknown_tool', 400, `Unknown tool "${String(request.tool).slice(0, 100)}"; try "help"`);
    const { tool, toolset } = registered;
    const unavailable = this.options.registry.unavailableReason(tool.name);
    if (unavailable) throw new UnavailableError('tool_unavailable', `${tool.name} is unavailable here: ${unavailable}`);
    const args = validateArguments(tool.name, tool.inputSchema, request.args, this.options.maxArgumentBytes ?? MAX_ARGUMENT_BYTES);
    const traceId = request.traceId ?? randomUUID();
    // Only a supported locale is stored (anything else: null, the default language; never an error).
    const localeLater = Promise.resolve(request.locale ?? request.localeLookup).then((tag) => resolveLocale(tag) ?? null);
    localeLater.catch(() => undefined); // awaited below on every path that goes on
    const { channel, externalIds = {}, conversationId = null } = request;
    const base = { channel, tool: tool.name, arguments: args, traceId, externalIds, conversationId };
    await assertMayRun(
      { audit: this.options.audit, metrics: this.metrics, allowlist: this.options.allowlist ?? {} },
      principal,
      tool,
      toolset.name,
      request,
      base,
    );
    if (request.conversationId) await conversationFinder(this.prisma, principal, request.conversationId);
    const needsApproval = tool.risk !== 'read';
    const inline = !needsApproval && !tool.durable;
    // A read run first needs the language only for its result view, once the tool is done.
    const locale = inline ? null : await localeLater;
    // What approving will do, shown on every approval card (computed once, stored with the row).
    const preview = needsApproval
      ? await previewOf(tool, args, principal, this.options.logger, undefined, translatorFor(locale ?? this.options.defaultLocale))
      : null;
    const stages: ExecutionStage[] = [{ stage: 'proposed', actor: principal, extra: { details: { risk: tool.risk, needsApproval } } }];
    // A read runs at once: its "started" commits with "proposed" (and the row).
    if (inline) stages.push({ stage: 'started', actor: principal });
    const data = {
      ...requestedRow(principal, { ...request, traceId, locale }, { tool: tool.name, toolset: toolset.name, risk: tool.risk }, args),
      preview,
      status: needsApproval ? 'pending_approval' : inline ? 'running' : 'queued',
      startedAt: inline ? this.now() : null,
      expiresAt: needsApproval ? new Date(this.now().getTime() + this.approvalTtlMs) : null,
    };
    const refuse = (error: unknown) => refuseUnstorable(this.options.audit, error, principal, base);
    // An inline read runs first and is stored once, finished (read-first.ts).
    if (inline && mayRunFirst(data, stages)) return runReadFirst(this.readFirst(refuse), data, stages, localeLater);
    const row = await insertAudited(this.options.audit, inline ? { ...data, locale: await localeLater } : data, stages).catch(refuse);
    if (needsApproval) {
      this.metrics.executions.inc({ tool: tool.name, status: 'pending_approval' });
      const view = executionView(row);
      this.announce(view);
      return view;
    }
    return inline ? this.execute(row) : this.dispatch(row);
  }

  /**
   * Records a call that never reached a tool (unknown tool, arguments that fail the schema or
   * are not JSON) as a `refused` execution with its audit event, so a model's invalid calls
   * are as visible as valid ones. The reason is short and free of stacks and paths.
   */
  async refuse(
    principal: Principal,
    request: ExecutionRequest & { code: string; reason: string; details?: unknown },
  ): Promise<ExecutionView> {
    const row = await refusedExecution(this.options.audit, this.options.registry, principal, request, this.now(), {
      logger: this.options.logger,
      defaultLocale: this.options.defaultLocale,
    });
    return this.finished(row, 'refused');
  }

  /** Approves a pending execution and runs it. */
  async approve(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView> {
    const row = await this.pending(principal, executionId, channel);
    if (row.riskLevel === 'disruptive' && row.requesterId === principal.userId) {
      await this.options.audit.append(
        executionEvent(row, {
          stage: 'approval_refused',
          actor: principal,
          extra: { channel, details: { reason: 'self-approval of a disruptive tool' } },
        }),
      );
      throw new ForbiddenError('A disruptive execution must be approved by someone other than its requester');
    }
    const approved = { stage: 'approved', actor: principal, extra: { channel, approverId: principal.userId } };
    const updated = await this.transition(
      row.id,
      ['pending_approval'],
      { status: 'queued', approverId: principal.userId, decidedAt: this.now() },
      approved,
    );
    if (!updated) throw new ConflictError('This execution was already decided');
    return this.dispatch(updated);
  }

  /** Denies a pending execution; the reason (optional) is audited and shown in the conversation. */
  async deny(principal: Principal, executionId: string, channel: ToolChannel, reason?: string): Promise<ExecutionView> {
    const row = await this.pending(principal, executionId, channel);
    const why = reason?.trim().slice(0, 500);
    const denied = {
      stage: 'denied',
      actor: principal,
      extra: { channel, approverId: principal.userId, ...(why ? { details: { reason: why } } : {}) },
    };
    const updated = await this.transition(
      row.id,
      ['pending_approval'],
      { status: 'denied', approverId: principal.userId, decidedAt: this.now(), finishedAt: this.now() },
      denied,
    );
    if (!updated) throw new ConflictError('This execution was already decided');
    return this.finished(updated, 'denied', { deciderName: principal.userName, ...(why ? { reason: why } : {}) });
  }

  /** Cancels a pending, queued or running execution (requester or operator). */
  async cancel(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView> {
    const row = await visibleExecution(this.prisma, principal, executionId);
    assertMay(principal, 'execution.cancel', 'Only the requester or an operator can cancel', { ownerId: row.requesterId });
    if (FINAL_STATUSES.has(row.status)) throw new ConflictError(`This execution is already ${row.status}`);
    const local = this.controllers.get(row.id);
    if (local && row.status === 'running') {
      local.abort('cancelled');
      await this.settled(row.id);
      return executionView(await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } }));
    }
    const result = { status: 'error', error: { code: 'cancelled', message: `Cancelled by ${principal.userName}` } };
    const cancelled = { stage: 'cancelled', actor: principal, extra: { channel, resultDigest: digest(result) } };
    const updated = await this.transition(
      row.id,
      ['pending_approval', 'queued', 'running'],
      { status: 'cancelled', finishedAt: this.now(), result },
      cancelled,
    );
    if (!updated) return executionView(await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } }));
    return this.finished(updated, 'cancelled');
  }

  /** One execution visible to the caller (requester, or operators and admins). */
  async find(principal: Principal, executionId: string): Promise<ExecutionView> {
    return executionView(await visibleExecution(this.prisma, principal, executionId));
  }

  /** Recent executions visible to the caller, newest first. */
  list(principal: Principal, filters: ExecutionFilters): Promise<ExecutionView[]> {
    return listExecutions(this.prisma, principal, filters);
  }

  /** Marks approvals past their deadline as expired (expiry counts as denial). */
  async expireStale(): Promise<number> {
    const stale = await this.prisma.execution.findMany({
      where: { status: 'pending_approval', expiresAt: { lte: this.now() } },
      take: 500,
    });
    let expired = 0;
    for (const row of stale) if (await this.expire(row)) expired += 1;
    return expired;
  }

  /** Runs a queued execution (inline, or from a job worker on any node). */
  async runExecution(executionId: string, attempt = 1): Promise<ExecutionView | undefined> {
    const row = await this.prisma.execution.findUnique({ where: { id: executionId } });
    if (!row || FINAL_STATUSES.has(row.status)) return row ? executionView(row) : undefined;
    // A retried job whose node died mid-run may take the execution over.
    const from = attempt > 1 ? ['queued', 'running'] : ['queued'];
    const running = await transitionAudited(this.options.audit, row.id, from, { status: 'running', startedAt: this.now() }, (moved) => ({
      stage: 'started',
      actor: requesterOf(moved),
    }));
    if (!running) return executionView(row);
    return this.execute(running);
  }

  /** Runs a claimed (status running) execution and records its outcome. */
  private async execute(row: Execution): Promise<ExecutionView> {
    this.announce(executionView(row));
    const controller = new AbortController();
    this.controllers.set(row.id, controller);
    try {
      const report = await runRowTool({ ...this.options, progress: this.progressChains, translators: this.translators }, row, controller);
      return await this.complete(row, report);
    } finally {
      this.controllers.delete(row.id);
      this.progressChains.delete(row.id);
    }
  }

  /** Records the outcome of a running row and its event together; if that fails, the row is failed at once rather than left running. */
  private async complete(row: Execution, report: RunReport): Promise<ExecutionView> {
    const outcome = { status: report.outcome, finishedAt: this.now(), durationMs: report.durationMs, result: report.result };
    const done = await abandonOnFailure(this.reaper, row, finishAudited(this.options.audit, row.id, outcome, requesterOf(row)));
    if (!done) return executionView(await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } }));
    this.metrics.duration.observe({ tool: row.tool }, report.durationMs / 1000);
    return this.finished(done, report.outcome);
  }

  /** What a read-first run needs from this service (read-first.ts). */
  private readFirst(refuse: (error: unknown) => Promise<never>): ReadFirstDeps {
    return {
      ...this.options,
      progress: this.progressChains,
      controllers: this.controllers,
      now: this.now,
      metrics: this.metrics,
      translators: this.translators,
      windowMs: this.options.readFirstWindowMs ?? DEFAULT_READ_FIRST_WINDOW_MS,
      announce: (row) => this.announce(executionView(row)),
      refuse,
      complete: (row, report) => this.complete(row, report),
      finished: (row, status) => this.finished(row, status),
    };
  }

  private async dispatch(row: Execution): Promise<ExecutionView> {
    if (this.options.registry.get(row.tool)?.tool.durable) {
      try {
        await this.jobs.enqueue(row.id);
      } catch (error) {
        // Never acknowledged: failed now (the caller retries), so it cannot run later behind its back.
        const reason = `Could not be queued: ${error instanceof AppError ? error.message : 'the job queue is unavailable'}`;
        await abandonExecution(this.reaper, row, reason, 'queue_unavailable').catch((failure: unknown) =>
          this.options.logger.warn(
            { err: failure, executionId: row.id },
            'could not fail an execution that was never queued (the sweeper requeues it)',
          ),
        );
        throw error;
      }
      const view = executionView(row);
      this.announce(view);
      return view;
    }
    return (await this.runExecution(row.id)) ?? executionView(row);
  }

  private async pending(principal: Principal, executionId: string, channel: ToolChannel): Promise<Execution> {
    const row = await visibleExecution(this.prisma, principal, executionId);
    assertMayDecide(this.options.registry, principal, row);
    if (row.status === 'pending_approval' && row.expiresAt && row.expiresAt <= this.now()) {
      await this.expire(row);
      throw new ConflictError('This approval request expired (counted as denied)', { status: 'expired' });
    }
    if (row.status !== 'pending_approval')
      throw new ConflictError(`This execution is ${row.status}, not pending approval`, { status: row.status });
    void channel;
    return row;
  }

  private async expire(row: Execution): Promise<boolean> {
    const expired = { stage: 'expired', actor: null, extra: { details: { countsAs: 'denied' } } };
    const updated = await this.transition(
      row.id,
      ['pending_approval'],
      { status: 'expired', finishedAt: this.now(), decidedAt: this.now() },
      expired,
    );
    if (!updated) return false;
    this.finished(updated, 'expired');
    return true;
  }

  /** A transition and its audit event, in one transaction; null when another writer moved the row first. */
  private transition(id: string, from: string[], changes: ExecutionChanges, stage: ExecutionStage): Promise<Execution | null> {
    return transitionAudited(this.options.audit, id, from, changes, () => stage);
  }

  private finished(row: Execution, status: string, decision?: Decision): ExecutionView {
    this.metrics.executions.inc({ tool: row.tool, status });
    const view = executionView(row);
    this.announce(view);
    // After a decision (or its expiry) the outcome is appended to the conversation as a message.
    const posted = postOutcome(this.prisma, this.options.events, this.options.logger, row, decision, this.options.defaultLocale);
    this.outcomes.add(posted);
    void posted.finally(() => this.outcomes.delete(posted));
    return view;
  }

  /** Resolves when every outcome message being written has been stored (tests, shutdown). */
  async outcomesSettled(): Promise<void> {
    await Promise.all([...this.outcomes]);
  }

  private announce(view: ExecutionView): void {
    this.options.events?.emit('agent.tool', { conversationId: view.conversationId, execution: { ...view } });
  }

  private async settled(id: string): Promise<void> {
    for (let attempt = 0; attempt < 200 && this.controllers.has(id); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
