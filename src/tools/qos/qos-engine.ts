/**
 * The QoS engine: plan, apply (snapshot → tc -batch → read back → restore on any failure),
 * confirm-or-revert, rollback and show. Applies on one device are serialised; every
 * application is stored with its snapshot so a rollback never depends on memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { kernelCapabilities, type KernelCapabilities } from './capabilities.js';
import { batchLine } from './compiler.js';
import type { QosGuardrails } from './guardrails.js';
import { assertInterfaceAllowed, assertInterfaceUsable } from './guardrails.js';
import { buildPlan, missingCapabilities, policyFromRequest, readStateOrEmpty, type PlanRequest, type QosPlan } from './qos-planner.js';
import type { QosMetrics } from './qos-metrics.js';
import type { QosApplicationRecord, QosStore } from './qos-store.js';
import { clearCommands, restoreCommands, verifyApplied } from './snapshot.js';
import type { CommandRunner } from './tc-runner.js';
import { readLiveState, sameConfiguration, type LiveState } from './tc-state.js';
import { QosRefusedError } from './validation.js';

/** Applying failed; the snapshot was restored (or `restored` says it could not be). */
export class QosApplyFailedError extends AppError {
  constructor(message: string, readonly restored: boolean) {
    super('qos_apply_failed', 409, message);
  }
}

/** What the engine is built from. */
export interface QosEngineOptions {
  runner: CommandRunner;
  store: QosStore;
  guardrails: QosGuardrails;
  capabilities?: () => Promise<KernelCapabilities>;
  defaultLinkRate?: number;
  logger?: Logger;
  metrics?: QosMetrics;
}

/** How an apply was asked for. */
export interface ApplyOptions {
  executionId?: string;
  appliedBy?: string | null;
  /** Roll back automatically unless confirmed within this many seconds. */
  confirmWithinSeconds?: number;
  signal?: AbortSignal;
}

/** Result of an apply. */
export interface ApplyResult {
  application: QosApplicationRecord;
  plan: QosPlan;
}

/** The engine; one per process (or per namespace in labs and tests). */
export class QosEngine {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly capabilities: () => Promise<KernelCapabilities>;
  private readonly defaultLinkRate: number;

  constructor(private options: QosEngineOptions) {
    this.capabilities = options.capabilities ?? kernelCapabilities;
    this.defaultLinkRate = options.defaultLinkRate ?? 1e9;
  }

  private dependencies() {
    return { runner: this.options.runner, guardrails: this.options.guardrails, capabilities: this.capabilities, defaultLinkRate: this.defaultLinkRate };
  }

  /** Points the engine's metrics at the app's registry (the engine may be built before the app). */
  useMetrics(metrics: QosMetrics): void {
    this.options.metrics = metrics;
  }

  /** Read-only plan with its diff. */
  plan(request: PlanRequest, signal?: AbortSignal): Promise<QosPlan> {
    return buildPlan(request, this.dependencies(), signal ? { signal } : {});
  }

  /** Plan without reading the system (validation only): no tc or ip runs. */
  validate(request: PlanRequest): Promise<QosPlan> {
    return buildPlan(request, this.dependencies(), { live: false });
  }

  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    void next.finally(() => {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }).catch(() => undefined);
    return next;
  }

  private async runBatch(commands: string[][], signal?: AbortSignal): Promise<void> {
    if (commands.length === 0) return;
    const directory = await mkdtemp(path.join(tmpdir(), 'vigie-qos-'));
    try {
      const file = path.join(directory, 'policy.tc');
      await writeFile(file, `${commands.map(batchLine).join('\n')}\n`, { mode: 0o600 });
      await this.options.runner.run('tc', ['-batch', file], signal ? { signal, timeoutMs: 120_000 } : { timeoutMs: 120_000 });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  private async restore(snapshot: LiveState[]): Promise<boolean> {
    for (const state of snapshot) {
      const current = await readStateOrEmpty(this.options.runner, state.device);
      await this.runBatch([...clearCommands(current), ...restoreCommands(state)]);
    }
    for (const state of snapshot) {
      const now = await readStateOrEmpty(this.options.runner, state.device);
      if (!sameConfiguration(now, state)) return false;
    }
    return true;
  }

  private async ensureIfb(device: string): Promise<void> {
    const runner = this.options.runner;
    try {
      const info = JSON.parse(await runner.run('ip', ['-j', '-d', 'link', 'show', 'dev', device])) as { linkinfo?: { info_kind?: string } }[];
      if (info[0]?.linkinfo?.info_kind !== 'ifb') throw new QosRefusedError(`Refused ingress device ${device}`, [`${device} exists and is not an IFB device`]);
    } catch (error) {
      if (error instanceof QosRefusedError) throw error;
      await runner.run('ip', ['link', 'add', device, 'type', 'ifb']);
    }
    await runner.run('ip', ['link', 'set', device, 'up']);
  }

  /** Applies a request; on any failure the previous configuration is restored and verified. */
  async apply(request: PlanRequest, options: ApplyOptions = {}): Promise<ApplyResult> {
    const started = process.hrtime.bigint();
    // Queue on the interface before any await, so applies run in the order they were asked.
    const { policy: requested } = policyFromRequest(request, this.defaultLinkRate);
    return this.serialised(requested.interface, async () => {
      const plan = await this.plan(request, options.signal);
      const policy = plan.policy;
      const devices = policy.direction === 'ingress' ? [policy.interface, plan.device] : [plan.device];
      const snapshot = await Promise.all(devices.map((device) => (device === plan.device && plan.live ? plan.live : readStateOrEmpty(this.options.runner, device))));
      for (const state of snapshot) restoreCommands(state); // refuses before changing anything
      let restored = true;
      try {
        if (policy.direction === 'ingress') await this.ensureIfb(plan.device);
        const clear = snapshot.flatMap((state) => (policy.direction === 'ingress' && state.device === policy.interface ? clearCommands(state).filter((command) => command.includes('ingress')) : clearCommands(state)));
        await this.runBatch([...clear, ...plan.commands], options.signal);
        const problems = verifyApplied(plan.expected, await readLiveState(this.options.runner, plan.device));
        if (problems.length > 0) throw new QosRefusedError('Read-back does not match the plan', problems);
      } catch (error) {
        restored = await this.restore(snapshot).catch(() => false);
        this.options.metrics?.operations.inc({ operation: 'apply', outcome: 'rolled_back' });
        const reason = error instanceof Error ? error.message : String(error);
        await this.options.store.insert(this.record(request, plan, snapshot, options, 'failed', reason));
        this.options.logger?.warn({ interface: policy.interface, executionId: options.executionId, restored }, 'qos apply failed, snapshot restored');
        throw new QosApplyFailedError(`Applying the policy to ${policy.interface} failed (${reason}); ${restored ? 'the previous configuration was restored and verified' : 'restoring the previous configuration FAILED, check the device'}`, restored);
      }
      const deadline = options.confirmWithinSeconds ? new Date(Date.now() + options.confirmWithinSeconds * 1000) : null;
      const application = await this.options.store.insert(this.record(request, plan, snapshot, options, deadline ? 'pending_confirmation' : 'applied', null, deadline));
      if (deadline) this.armRevert(application.id, options.confirmWithinSeconds! * 1000);
      this.options.metrics?.operations.inc({ operation: 'apply', outcome: 'applied' });
      this.options.metrics?.applySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.options.logger?.info({ interface: policy.interface, executionId: options.executionId, applicationId: application.id }, 'qos policy applied');
      return { application, plan };
    });
  }

  private record(request: PlanRequest, plan: QosPlan, snapshot: LiveState[], options: ApplyOptions, status: QosApplicationRecord['status'], error: string | null, deadline: Date | null = null) {
    return {
      executionId: options.executionId ?? null,
      interface: plan.policy.interface,
      device: plan.device,
      namespace: this.options.runner.namespace ?? null,
      direction: plan.policy.direction,
      intent: request.intent ?? null,
      policy: plan.policy,
      batch: plan.batch,
      snapshot,
      status,
      error,
      confirmDeadline: deadline,
      appliedBy: options.appliedBy ?? null,
    };
  }

  private armRevert(id: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.rollback(id, 'not confirmed in time').catch((error: unknown) => this.options.logger?.error({ err: error, applicationId: id }, 'qos automatic revert failed'));
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Keeps a pending application: cancels its automatic revert. */
  async confirm(id: string): Promise<QosApplicationRecord> {
    const record = await this.options.store.find(id);
    if (!record) throw new NotFoundError(`QoS application ${id}`);
    if (record.status !== 'pending_confirmation') throw new QosRefusedError(`Application ${record.id} cannot be confirmed`, [`its status is ${record.status}`]);
    clearTimeout(this.timers.get(record.id));
    this.timers.delete(record.id);
    await this.options.store.update(record.id, { status: 'confirmed', confirmDeadline: null });
    return { ...record, status: 'confirmed', confirmDeadline: null };
  }

  /** Restores the snapshot taken before an application (by application or execution id). */
  async rollback(id: string, reason = 'requested'): Promise<QosApplicationRecord & { verified: boolean }> {
    const record = await this.options.store.find(id);
    if (!record) throw new NotFoundError(`QoS application ${id}`);
    if (record.status === 'rolled_back' || record.status === 'failed') throw new QosRefusedError(`Application ${record.id} cannot be rolled back`, [`its status is ${record.status}`]);
    assertInterfaceAllowed(record.interface, this.options.guardrails);
    return this.serialised(record.interface, async () => {
      clearTimeout(this.timers.get(record.id));
      this.timers.delete(record.id);
      const verified = await this.restore(record.snapshot);
      await this.options.store.update(record.id, { status: 'rolled_back', error: verified ? `rolled back: ${reason}` : `rollback (${reason}) did not verify`, confirmDeadline: null });
      this.options.metrics?.operations.inc({ operation: 'rollback', outcome: verified ? 'verified' : 'unverified' });
      this.options.logger?.info({ applicationId: record.id, reason, verified }, 'qos application rolled back');
      return { ...record, status: 'rolled_back', verified };
    });
  }

  /** The live configuration of an interface with per-class statistics and what the kernel lacks. */
  async show(name: string, signal?: AbortSignal) {
    assertInterfaceAllowed(name, this.options.guardrails);
    await assertInterfaceUsable(name, { ...this.options.guardrails, allowDefaultRouteInterface: true }, this.options.runner);
    const capabilities = await this.capabilities();
    return {
      state: await readLiveState(this.options.runner, name, signal),
      capabilities: { ...capabilities, missing: missingCapabilities(capabilities) },
      applications: (await this.options.store.listForInterface(name, 10)).map(({ snapshot: _snapshot, policy: _policy, ...rest }) => rest),
    };
  }

  /**
   * Re-arms confirm-or-revert after a restart: past deadlines roll back now, others get
   * their timer back. Only applications made in this engine's namespace are considered.
   */
  async resumePendingReverts(): Promise<number> {
    const pending = (await this.options.store.listPending()).filter((record) => record.namespace === (this.options.runner.namespace ?? null) && !this.timers.has(record.id));
    for (const record of pending) this.armRevert(record.id, Math.max(0, (record.confirmDeadline?.getTime() ?? Date.now()) - Date.now()));
    return pending.length;
  }

  /** Cancels pending revert timers (process shutdown). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
