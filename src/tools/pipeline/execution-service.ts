/**
 * The one execution pipeline every caller goes through (REST, router, agent, sockets, bots):
 * validate → authorize (role, channel allowlist) → approval for mutate/disruptive → run with
 * timeout and cancellation → store the result → audit every stage. State changes are
 * conditional updates on the row, so two nodes (or two approvers) can never both win.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { DomainEvents } from '../../actions/domain-events.js';
import { conversationFinder } from '../../actions/conversations.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { canonicalJson } from '../../audit/canonical-json.js';
import type { Principal } from '../../auth/principal.js';
import { hasRole } from '../../auth/roles.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, UnavailableError, ValidationError } from '../../errors.js';
import type { Execution, PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolChannel } from '../tool-contract.js';
import type { ToolRegistry } from '../tool-registry.js';
import { channelAllows, type ChannelAllowlist } from './channel-allowlist.js';
import { createExecutionMetrics, type ExecutionMetrics } from './execution-metrics.js';
import { isDataException } from '../../db/db-errors.js';
import { validateArguments } from './argument-validation.js';
import { abandonExecution, DEFAULT_ABANDON_GRACE_MS, sweepAbandoned, type ReaperDeps } from './execution-reaper.js';
import { DEFAULT_REQUEUE_AFTER_MS, requeueStranded } from './execution-requeue.js';
import { executionView, FINAL_STATUSES, type ExecutionView } from './execution-view.js';
import { InProcessJobQueue, type ExecutionJobQueue } from './job-queue.js';
import { postOutcome, type Decision } from './execution-outcomes.js';
import { previewOf, translatorFor, withView } from './result-views.js';
import { resolveLocale, type Locale } from '../../contracts/i18n.js';
import { detailsOf } from '../../contracts/validation-text.js';
import { runTool } from './tool-runner.js';
import { finishExecution, insertExecution } from './execution-store.js';
import type { SqlQueries } from '../../db/sql-runner.js';

/** What a caller asks for. */
export interface ExecutionRequest {
  tool: string;
  args: unknown;
  channel: ToolChannel;
  conversationId?: string | null | undefined;
  externalIds?: Record<string, string> | undefined;
  traceId?: string | undefined;
  /**
   * The requester's language (`en` or `fr`, from the turn, Accept-Language…): the result view,
   * the approval preview and the outcome line are written in it, even when the execution runs
   * later (it is stored on the row). Absent: DEFAULT_LOCALE.
   */
  locale?: Locale | undefined;
}

/** Components and settings of the pipeline. */
export interface ExecutionServiceOptions {
  prisma: PrismaClient;
  /** The same database on the driver: the hot writes (new row, outcome) are single prepared statements. */
  sql: SqlQueries;
  audit: AuditLog;
  registry: ToolRegistry;
  logger: Logger;
  events?: DomainEvents | undefined;
  jobs?: ExecutionJobQueue | undefined;
  approvalTtlMs?: number | undefined;
  allowlist?: ChannelAllowlist | undefined;
  metrics?: Registry | undefined;
  now?: () => Date;
  maxArgumentBytes?: number;
  /** Grace after a tool's timeout before a `running` execution is failed as abandoned. */
  abandonGraceMs?: number | undefined;
  /** DEFAULT_LOCALE: the language of views for executions whose requester's language is unknown (MCP, schedules). */
  defaultLocale?: Locale | undefined;
  /** Age of a durable `queued` row before the sweep puts it back in the queue (execution-requeue.ts). */
  requeueAfterMs?: number | undefined;
}

/** The approval surface the realtime gateway and bots call. */
export interface ApprovalHandler {
  approve(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView>;
  deny(principal: Principal, executionId: string, channel: ToolChannel, reason?: string): Promise<ExecutionView>;
}

const requesterOf = (row: Execution): Principal => ({ userId: row.requesterId, userName: row.requesterName, role: row.requesterRole, tokenId: null });
const digest = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');
const MAX_BYTES = 16 * 1024;

/** Validates, authorizes, approves, runs and audits tool executions. */
export class ExecutionService implements ApprovalHandler {
  readonly jobs: ExecutionJobQueue;
  private readonly controllers = new Map<string, AbortController>();
  private readonly progressChains = new Map<string, Promise<void>>();
  private readonly outcomes = new Set<Promise<void>>();
  private readonly metrics: ExecutionMetrics;
  private readonly now: () => Date;
  private sweeper: NodeJS.Timeout | undefined;
  private requeuer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ExecutionServiceOptions) {
    this.jobs = options.jobs ?? new InProcessJobQueue();
    this.metrics = createExecutionMetrics(options.metrics);
    this.now = options.now ?? (() => new Date());
  }

  private get prisma() { return this.options.prisma; }
  private get approvalTtlMs() { return this.options.approvalTtlMs ?? 600_000; }

  private get reaper(): ReaperDeps {
    const { prisma, audit, registry, logger } = this.options;
    return { prisma, audit, registry, logger, now: this.now, graceMs: this.options.abandonGraceMs ?? DEFAULT_ABANDON_GRACE_MS, onAbandoned: (row) => this.finished(row, 'failed') };
  }

  /** Starts the job worker, the approval-expiry sweeper and the abandoned-execution sweeper (also run once now: a restart after a crash). */
  async start(): Promise<void> {
    await this.jobs.start((id, attempt) => this.runExecution(id, attempt).then(() => undefined));
    const sweep = () => Promise.all([
      this.expireStale().catch((error: unknown) => this.options.logger.warn({ err: error }, 'approval expiry sweep failed')),
      this.sweepAbandoned().catch((error: unknown) => this.options.logger.warn({ err: error }, 'abandoned execution sweep failed')),
    ]);
    await sweep();
    this.sweeper = setInterval(() => void sweep(), Math.max(1_000, Math.min(this.approvalTtlMs, 30_000, this.reaper.graceMs)));
    this.sweeper.unref();
    const afterMs = this.options.requeueAfterMs ?? DEFAULT_REQUEUE_AFTER_MS;
    let lastRequeueError = '';
    this.requeuer = setInterval(() => {
      requeueStranded({ prisma: this.prisma, registry: this.options.registry, jobs: this.jobs, logger: this.options.logger, now: this.now, afterMs })
        .then(() => (lastRequeueError = ''))
        .catch((error: unknown) => {
          // Redis or the database still away: said once per distinct error, retried next tick.
          const message = (error as Error).message;
          if (message !== lastRequeueError) this.options.logger.warn({ err: message }, 'queued execution sweep failed; retrying');
          lastRequeueError = message;
        });
    }, Math.max(500, Math.min(afterMs, 5_000)));
    this.requeuer.unref();
  }

  /** Fails `running` executions past their tool's timeout plus the grace (see execution-reaper.ts). */
  sweepAbandoned(): Promise<number> {
    return sweepAbandoned(this.reaper);
  }

  /** Stops the sweeper, cancels local runs and closes the queue. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.requeuer) clearInterval(this.requeuer);
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
    const args = validateArguments(tool.name, tool.inputSchema, request.args, this.options.maxArgumentBytes ?? MAX_BYTES);
    const traceId = request.traceId ?? randomUUID();
    // Only a supported locale is stored (anything else: null, the default language; never an error).
    const locale = resolveLocale(request.locale) ?? null;
    const base = {
      channel: request.channel,
      tool: tool.name,
      arguments: args,
      traceId,
      externalIds: request.externalIds ?? {},
      conversationId: request.conversationId ?? null,
    };
    const denied = !hasRole(principal.role, tool.minRole)
      ? `${tool.name} requires the ${tool.minRole} role`
      : !channelAllows(this.options.allowlist ?? {}, request.channel, request.externalIds, tool.name, toolset.name)
        ? `${tool.name} is not allowed in this channel`
        : undefined;
    if (denied) {
      await this.options.audit.append({ ...base, action: 'execution.refused', status: 'forbidden', actorId: principal.userId, actorName: principal.userName, details: { reason: denied } });
      this.metrics.executions.inc({ tool: tool.name, status: 'forbidden' });
      throw new ForbiddenError(denied);
    }
    if (request.conversationId) await conversationFinder(this.prisma, principal, request.conversationId);
    const needsApproval = tool.risk !== 'read';
    const inline = !needsApproval && !tool.durable;
    // What approving will do, shown on every approval card (computed once, stored with the row).
    const preview = needsApproval ? await previewOf(tool, args, principal, this.options.logger, undefined, translatorFor(locale ?? this.options.defaultLocale)) : null;
    const row = await insertExecution(this.options.sql, {
      preview,
      tool: tool.name,
      toolset: toolset.name,
      riskLevel: tool.risk,
      arguments: args,
      status: needsApproval ? 'pending_approval' : inline ? 'running' : 'queued',
      startedAt: inline ? this.now() : null,
      requesterId: principal.userId,
      requesterName: principal.userName,
      requesterRole: principal.role,
      channel: request.channel,
      externalIds: request.externalIds ?? {},
      conversationId: request.conversationId ?? null,
      locale,
      expiresAt: needsApproval ? new Date(this.now().getTime() + this.approvalTtlMs) : null,
      traceId,
    }).catch((error: unknown) => this.refuseUnstorable(error, principal, base));
    const proposed = this.guarded(row, this.record(row, 'proposed', principal, { details: { risk: tool.risk, needsApproval } }));
    if (needsApproval) {
      await proposed;
      this.metrics.executions.inc({ tool: tool.name, status: 'pending_approval' });
      const view = executionView(row);
      this.announce(view);
      return view;
    }
    if (inline) {
      // Proposed and started are appended in the same tick (one audit transaction) and commit
      // while the read runs; the outcome waits for them, so all three are durable, in chain
      // order, before the answer. A read has no effect to undo if their append fails.
      const stages = Promise.all([proposed, this.guarded(row, this.record(row, 'started', principal))]);
      stages.catch(() => undefined);
      return this.execute(row, stages);
    }
    return this.dispatch(row, proposed);
  }

  /**
   * Records a call that never reached a tool (unknown tool, arguments that fail the schema or
   * are not JSON) as a `refused` execution with its audit event, so a model's invalid calls
   * are as visible as valid ones. The reason is short and free of stacks and paths.
   */
  async refuse(principal: Principal, request: ExecutionRequest & { code: string; reason: string; details?: unknown }): Promise<ExecutionView> {
    const registered = this.options.registry.resolve(request.tool);
    const text = JSON.stringify(request.args ?? {}) ?? '{}';
    const args = request.args && typeof request.args === 'object' && !Array.isArray(request.args) && Buffer.byteLength(text) <= MAX_BYTES ? request.args : { raw: text.slice(0, 2_000) };
    // Validation details (code, plain params) stay with the result, and its view says them in the requester's language.
    const details = detailsOf(request.details);
    const result = withView(undefined, String(request.tool).slice(0, 100), args, { status: 'error', error: { code: request.code, message: request.reason.slice(0, 500), ...(details.length ? { details } : {}) } }, this.options.logger, translatorFor(resolveLocale(request.locale) ?? this.options.defaultLocale));
    const now = this.now();
    const row = await this.prisma.execution.create({
      data: {
        tool: (registered?.tool.name ?? String(request.tool)).slice(0, 100) || '(none)',
        toolset: registered?.toolset.name ?? 'unknown',
        riskLevel: registered?.tool.risk ?? 'read',
        arguments: args as object,
        status: 'refused',
        startedAt: null,
        finishedAt: now,
        result: result as object,
        requesterId: principal.userId,
        requesterName: principal.userName,
        requesterRole: principal.role,
        channel: request.channel,
        externalIds: request.externalIds ?? {},
        conversationId: request.conversationId ?? null,
        locale: resolveLocale(request.locale) ?? null,
        traceId: request.traceId ?? randomUUID(),
      },
    });
    await this.record(row, 'refused', principal, { resultDigest: digest(result), details: { code: request.code, reason: request.reason.slice(0, 500) } });
    return this.finished(row, 'refused');
  }

  /** Approves a pending execution and runs it. */
  async approve(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView> {
    const row = await this.pending(principal, executionId, channel);
    if (row.riskLevel === 'disruptive' && row.requesterId === principal.userId) {
      await this.record(row, 'approval_refused', principal, { channel, details: { reason: 'self-approval of a disruptive tool' } });
      throw new ForbiddenError('A disruptive execution must be approved by someone other than its requester');
    }
    const updated = await this.transition(row.id, ['pending_approval'], { status: 'queued', approverId: principal.userId, decidedAt: this.now() });
    if (!updated) throw new ConflictError('This execution was already decided');
    await this.record(updated, 'approved', principal, { channel, approverId: principal.userId });
    return this.dispatch(updated);
  }

  /** Denies a pending execution; the reason (optional) is audited and shown in the conversation. */
  async deny(principal: Principal, executionId: string, channel: ToolChannel, reason?: string): Promise<ExecutionView> {
    const row = await this.pending(principal, executionId, channel);
    const updated = await this.transition(row.id, ['pending_approval'], { status: 'denied', approverId: principal.userId, decidedAt: this.now(), finishedAt: this.now() });
    if (!updated) throw new ConflictError('This execution was already decided');
    const why = reason?.trim().slice(0, 500);
    await this.record(updated, 'denied', principal, { channel, approverId: principal.userId, ...(why ? { details: { reason: why } } : {}) });
    return this.finished(updated, 'denied', { deciderName: principal.userName, ...(why ? { reason: why } : {}) });
  }

  /** Cancels a pending, queued or running execution (requester or operator). */
  async cancel(principal: Principal, executionId: string, channel: ToolChannel): Promise<ExecutionView> {
    const row = await this.visible(principal, executionId);
    if (row.requesterId !== principal.userId && !hasRole(principal.role, 'operator')) throw new ForbiddenError('Only the requester or an operator can cancel');
    if (FINAL_STATUSES.has(row.status)) throw new ConflictError(`This execution is already ${row.status}`);
    const local = this.controllers.get(row.id);
    if (local && row.status === 'running') {
      local.abort('cancelled');
      await this.settled(row.id);
      return executionView((await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } })));
    }
    const result = { status: 'error', error: { code: 'cancelled', message: `Cancelled by ${principal.userName}` } };
    const updated = await this.transition(row.id, ['pending_approval', 'queued', 'running'], { status: 'cancelled', finishedAt: this.now(), result });
    if (!updated) return executionView(await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } }));
    await this.record(updated, 'cancelled', principal, { channel, resultDigest: digest(result) });
    return this.finished(updated, 'cancelled');
  }

  /** One execution visible to the caller (requester, or operators and admins). */
  async find(principal: Principal, executionId: string): Promise<ExecutionView> {
    return executionView(await this.visible(principal, executionId));
  }

  /** Recent executions visible to the caller, newest first. */
  async list(principal: Principal, filters: { status?: string | undefined; conversationId?: string | undefined; limit: number }): Promise<ExecutionView[]> {
    const rows = await this.prisma.execution.findMany({
      where: {
        ...(hasRole(principal.role, 'operator') ? {} : { requesterId: principal.userId }),
        ...(filters.status ? { status: filters.status } : {}),
        ...(filters.conversationId ? { conversationId: filters.conversationId } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filters.limit,
    });
    return rows.map(executionView);
  }

  /** Marks approvals past their deadline as expired (expiry counts as denial). */
  async expireStale(): Promise<number> {
    const stale = await this.prisma.execution.findMany({ where: { status: 'pending_approval', expiresAt: { lte: this.now() } }, take: 500 });
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
    const running = await this.transition(row.id, from, { status: 'running', startedAt: this.now() });
    if (!running) return executionView(row);
    await this.record(running, 'started', requesterOf(running));
    return this.execute(running);
  }

  /** Runs a claimed (status running) execution and records its outcome. */
  private async execute(row: Execution, recorded?: Promise<unknown>): Promise<ExecutionView> {
    const registered = this.options.registry.get(row.tool);
    const requester = requesterOf(row);
    this.announce(executionView(row));
    const controller = new AbortController();
    this.controllers.set(row.id, controller);
    // The execution was failed by guarded(): stop the tool, then answer with that error below.
    recorded?.catch(() => controller.abort('audit_failed'));
    try {
      const report = registered
        ? await runTool(registered.tool, row.arguments, {
            principal: requester,
            channel: row.channel,
            conversationId: row.conversationId,
            traceId: row.traceId,
            executionId: row.id,
            externalIds: row.externalIds as Record<string, string>,
            reportProgress: (progress) => this.progress(row.id, progress),
          }, controller)
        : { outcome: 'failed' as const, durationMs: 0, result: { status: 'error' as const, error: { code: 'unknown_tool', message: `${row.tool} is no longer registered` } } };
      await this.progressChains.get(row.id);
      // In the requester's language, stored on the row (an approval hours later keeps it).
      report.result = withView(registered?.tool, row.tool, row.arguments, report.result, this.options.logger, translatorFor(row.locale ?? this.options.defaultLocale));
      await recorded;
      const done = await finishExecution(this.options.sql, row.id, 'running', { status: report.outcome, finishedAt: this.now(), durationMs: report.durationMs, result: report.result });
      if (!done) return executionView(await this.prisma.execution.findUniqueOrThrow({ where: { id: row.id } }));
      this.metrics.duration.observe({ tool: row.tool }, report.durationMs / 1000);
      await this.record(done, report.outcome, requester, { durationMs: report.durationMs, resultDigest: digest(report.result) });
      return this.finished(done, report.outcome);
    } finally {
      this.controllers.delete(row.id);
      this.progressChains.delete(row.id);
    }
  }


  private async dispatch(row: Execution, proposed?: Promise<unknown>): Promise<ExecutionView> {
    await proposed;
    if (this.options.registry.get(row.tool)?.tool.durable) {
      try {
        await this.jobs.enqueue(row.id);
      } catch (error) {
        // Never acknowledged: failed now (the caller retries), so it cannot run later behind its back.
        const reason = `Could not be queued: ${error instanceof AppError ? error.message : 'the job queue is unavailable'}`;
        await abandonExecution(this.reaper, row, reason, 'queue_unavailable').catch((failure: unknown) =>
          this.options.logger.warn({ err: failure, executionId: row.id }, 'could not fail an execution that was never queued (the sweeper requeues it)'),
        );
        throw error;
      }
      const view = executionView(row);
      this.announce(view);
      return view;
    }
    return (await this.runExecution(row.id)) ?? executionView(row);
  }

  private async visible(principal: Principal, executionId: string): Promise<Execution> {
    const row = await this.prisma.execution.findUnique({ where: { id: executionId } });
    if (!row || (row.requesterId !== principal.userId && !hasRole(principal.role, 'operator'))) throw new NotFoundError('Execution');
    return row;
  }

  private async pending(principal: Principal, executionId: string, channel: ToolChannel): Promise<Execution> {
    const row = await this.visible(principal, executionId);
    if (!hasRole(principal.role, 'operator')) throw new ForbiddenError('Approving or denying requires the operator role');
    const tool = this.options.registry.get(row.tool)?.tool;
    if (tool && !hasRole(principal.role, tool.minRole)) throw new ForbiddenError(`Deciding on ${row.tool} requires the ${tool.minRole} role`);
    if (row.status === 'pending_approval' && row.expiresAt && row.expiresAt <= this.now()) {
      await this.expire(row);
      throw new ConflictError('This approval request expired (counted as denied)', { status: 'expired' });
    }
    if (row.status !== 'pending_approval') throw new ConflictError(`This execution is ${row.status}, not pending approval`, { status: row.status });
    void channel;
    return row;
  }

  private async expire(row: Execution): Promise<boolean> {
    const updated = await this.transition(row.id, ['pending_approval'], { status: 'expired', finishedAt: this.now(), decidedAt: this.now() });
    if (!updated) return false;
    await this.record(updated, 'expired', null, { details: { countsAs: 'denied' } });
    this.finished(updated, 'expired');
    return true;
  }

  /** The database refused a value of this request (NUL, bad text): audited (escaped), answered 400 to this caller alone. */
  private async refuseUnstorable(error: unknown, principal: Principal, base: Record<string, unknown>): Promise<never> {
    if (!isDataException(error)) throw error;
    await this.options.audit.append({ ...base, action: 'execution.refused', status: 'invalid_text', actorId: principal.userId, actorName: principal.userName, details: { reason: 'unstorable text' } });
    throw new ValidationError('The request carries text that cannot be stored (a NUL byte or a lone UTF-16 surrogate)');
  }

  /** An audit append for `row` that failed (escaped event, database down) fails the row too, so it never lingers. */
  private async guarded<T>(row: Execution, append: Promise<T>): Promise<T> {
    try {
      return await append;
    } catch (error) {
      const [message, code] = error instanceof AppError ? [error.message, error.code] : ['The audit log could not record this execution', 'audit_failed'];
      await abandonExecution(this.reaper, row, message, code).catch((failure: unknown) => this.options.logger.warn({ err: failure, executionId: row.id }, 'could not fail an execution whose audit event was refused (the sweeper will)'));
      throw error;
    }
  }

  private async transition(id: string, from: string[], data: Record<string, unknown>): Promise<Execution | null> {
    try {
      // One conditional UPDATE … RETURNING: only the caller that finds the expected state wins.
      return await this.prisma.execution.update({ where: { id, status: { in: from } }, data });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2025') return null;
      throw error;
    }
  }

  private record(row: Execution, stage: string, actor: Principal | null, extra: { channel?: ToolChannel; approverId?: string; durationMs?: number; resultDigest?: string; details?: Record<string, unknown> } = {}) {
    return this.options.audit.append({
      action: `execution.${stage}`, status: stage, actorId: actor?.userId ?? null, actorName: actor?.userName ?? 'system',
      channel: extra.channel ?? row.channel, externalIds: row.externalIds as Record<string, unknown>, conversationId: row.conversationId,
      tool: row.tool, executionId: row.id, arguments: row.arguments, approverId: extra.approverId ?? row.approverId,
      durationMs: extra.durationMs ?? null, resultDigest: extra.resultDigest ?? null, details: extra.details ?? {}, traceId: row.traceId,
    });
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

  private announce(view: ExecutionView): void { this.options.events?.emit('agent.tool', { conversationId: view.conversationId, execution: { ...view } }); }

  /**
   * Progress writes are chained per execution so they land in the order the tool reported
   * them (a late "step 1" never overwrites "step 2"); the outcome waits for the chain.
   */
  private progress(id: string, progress: { message: string; fraction?: number }): void {
    const previous = this.progressChains.get(id) ?? Promise.resolve();
    const next = previous.then(() =>
      this.prisma.execution
        .update({ where: { id }, data: { progress } })
        .then((row) => this.announce(executionView(row)))
        .catch((error: unknown) => this.options.logger.warn({ err: error, executionId: id }, 'progress update failed')),
    );
    this.progressChains.set(id, next);
  }

  private async settled(id: string): Promise<void> {
    for (let attempt = 0; attempt < 200 && this.controllers.has(id); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
