/**
 * The QoS engine: plan, apply (snapshot → tc -batch → read back → restore on any failure),
 * confirm-or-revert, rollback and show. Applies and rollbacks on one interface are serialised
 * by an InterfaceLock (across nodes on PostgreSQL); every application is stored with its
 * snapshot so a rollback never depends on memory, and status changes are compare-and-set so
 * a confirm and a revert on different nodes never both win.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { probeKernelCapabilities, type KernelCapabilities } from './capabilities.js';
import { createProcessInterfaceLock, type InterfaceLock } from './interface-lock.js';
import { batchLine } from './compiler.js';
import type { QosGuardrails } from './guardrails.js';
import { assertInterfaceAllowed, assertInterfaceUsable } from './guardrails.js';
import { buildPlan, missingCapabilities, policyFromRequest, readStateOrEmpty, type PlanRequest, type QosPlan } from './qos-planner.js';
import type { QosMetrics } from './qos-metrics.js';
import type { QosApplicationRecord, QosApplicationStatus, QosStore } from './qos-store.js';
import { clearCommands, restoreCommands, verifyApplied } from './snapshot.js';
import type { CommandRunner } from './tc-runner.js';
import { readLiveState, sameConfiguration, type LiveState } from './tc-state.js';
import { QosRefusedError } from './validation.js';

/** Applying failed; the snapshot was restored (or `restored` says it could not be). */
export class QosApplyFailedError extends AppError {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
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
  /** Serialises work per interface; default: this process only (bounded wait of 60 s). */
  lock?: InterfaceLock;
  /** This node's host (default: the OS host name); recorded with applications, which roll back only there. */
  host?: string;
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

/** Statuses an application can be rolled back from. */
const ROLLBACK_FROM: QosApplicationStatus[] = ['applied', 'pending_confirmation', 'confirmed', 'rolling_back'];

/** The engine; one per process (or per namespace in labs and tests). */
export class QosEngine {
  private readonly lock: InterfaceLock;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly capabilities: () => Promise<KernelCapabilities>;
  private probed: Promise<KernelCapabilities> | undefined;
  private readonly defaultLinkRate: number;
  private readonly host: string;

  constructor(private options: QosEngineOptions) {
    this.host = options.host ?? hostname();
    // The kernel probe runs once per engine (one engine per process: the QoS module's).
    this.capabilities = options.capabilities ?? (() => (this.probed ??= probeKernelCapabilities()));
    this.defaultLinkRate = options.defaultLinkRate ?? 1e9;
    this.lock = options.lock ?? createProcessInterfaceLock();
  }

  private dependencies() {
    return {
      runner: this.options.runner,
      guardrails: this.options.guardrails,
      capabilities: this.capabilities,
      defaultLinkRate: this.defaultLinkRate,
    };
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

  /** Queues on the interface synchronously (callers are served in call order), bounded wait. */
  private serialised<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run({ interface: name, namespace: this.options.runner.namespace }, work);
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
      const info = JSON.parse(await runner.run('ip', ['-j', '-d', 'link', 'show', 'dev', device])) as {
        linkinfo?: { info_kind?: string };
      }[];
      if (info[0]?.linkinfo?.info_kind !== 'ifb')
        throw new QosRefusedError(`Refused ingress device ${device}`, [`${device} exists and is not an IFB device`]);
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
      const snapshot = await Promise.all(
        devices.map((device) => (device === plan.device && plan.live ? plan.live : readStateOrEmpty(this.options.runner, device))),
      );
      for (const state of snapshot) restoreCommands(state); // refuses before changing anything
      let restored = true;
      try {
        if (policy.direction === 'ingress') await this.ensureIfb(plan.device);
        const clear = snapshot.flatMap((state) =>
          policy.direction === 'ingress' && state.device === policy.interface
            ? clearCommands(state).filter((command) => command.includes('ingress'))
            : clearCommands(state),
        );
        await this.runBatch([...clear, ...plan.commands], options.signal);
        const problems = verifyApplied(plan.expected, await readLiveState(this.options.runner, plan.device));
        if (problems.length > 0) throw new QosRefusedError('Read-back does not match the plan', problems);
      } catch (error) {
        restored = await this.restore(snapshot).catch(() => false);
        this.options.metrics?.operations.inc({ operation: 'apply', outcome: 'rolled_back' });
        const reason = error instanceof Error ? error.message : String(error);
        await this.options.store.insert(this.record(request, plan, snapshot, options, 'failed', reason));
        this.options.logger?.warn(
          { interface: policy.interface, executionId: options.executionId, restored },
          'qos apply failed, snapshot restored',
        );
        throw new QosApplyFailedError(
          `Applying the policy to ${policy.interface} failed (${reason}); ${restored ? 'the previous configuration was restored and verified' : 'restoring the previous configuration FAILED, check the device'}`,
          restored,
        );
      }
      const deadline = options.confirmWithinSeconds ? new Date(Date.now() + options.confirmWithinSeconds * 1000) : null;
      const application = await this.options.store.insert(
        this.record(request, plan, snapshot, options, deadline ? 'pending_confirmation' : 'applied', null, deadline),
      );
      if (deadline) this.armRevert(application.id, options.confirmWithinSeconds! * 1000);
      this.options.metrics?.operations.inc({ operation: 'apply', outcome: 'applied' });
      this.options.metrics?.applySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.options.logger?.info(
        { interface: policy.interface, executionId: options.executionId, applicationId: application.id },
        'qos policy applied',
      );
      return { application, plan };
    });
  }

  private record(
    request: PlanRequest,
    plan: QosPlan,
    snapshot: LiveState[],
    options: ApplyOptions,
    status: QosApplicationRecord['status'],
    error: string | null,
    deadline: Date | null = null,
  ) {
    return {
      executionId: options.executionId ?? null,
      interface: plan.policy.interface,
      device: plan.device,
      namespace: this.options.runner.namespace ?? null,
      host: this.host,
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
      this.revertUnconfirmed(id).catch((error: unknown) =>
        this.options.logger?.error({ err: error, applicationId: id }, 'qos automatic revert failed'),
      );
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private forgetTimer(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  /** Keeps a pending application: cancels its automatic revert (on whichever node armed it). */
  async confirm(id: string): Promise<QosApplicationRecord> {
    const record = await this.options.store.find(id);
    if (!record) throw new NotFoundError(`QoS application ${id}`);
    // Compare-and-set, no interface lock: a revert that claimed the record first makes this fail.
    if (!(await this.options.store.transition(record.id, ['pending_confirmation'], { status: 'confirmed', confirmDeadline: null }))) {
      const now = (await this.options.store.find(record.id)) ?? record;
      throw new QosRefusedError(`Application ${record.id} cannot be confirmed`, [`its status is ${now.status}`]);
    }
    this.forgetTimer(record.id);
    return { ...record, status: 'confirmed', confirmDeadline: null };
  }

  /** Restores the snapshot taken before an application (by application or execution id). */
  async rollback(id: string, reason = 'requested'): Promise<QosApplicationRecord & { verified: boolean }> {
    const found = await this.options.store.find(id);
    if (!found) throw new NotFoundError(`QoS application ${id}`);
    const refuse = (record: QosApplicationRecord) =>
      new QosRefusedError(`Application ${record.id} cannot be rolled back`, [`its status is ${record.status}`]);
    if (!ROLLBACK_FROM.includes(found.status)) throw refuse(found);
    if (!this.ownsHost(found))
      throw new QosRefusedError(`Application ${found.id} cannot be rolled back from this node`, [
        `it changed the tc state of host ${found.host}, this node runs on ${this.host}: run the rollback on a node of ${found.host}`,
      ]);
    assertInterfaceAllowed(found.interface, this.options.guardrails);
    return this.serialised(found.interface, async () => {
      const record = (await this.options.store.find(found.id)) ?? found; // another node may have acted while we waited
      const result = ROLLBACK_FROM.includes(record.status) ? await this.restoreApplication(record, reason) : null;
      if (!result) throw refuse((await this.options.store.find(found.id)) ?? record);
      return result;
    });
  }

  /** The confirm-or-revert timer: reverts only if the application is still pending, under the lock. */
  private async revertUnconfirmed(id: string): Promise<void> {
    const found = await this.options.store.find(id);
    if (found?.status !== 'pending_confirmation') return;
    await this.serialised(found.interface, async () => {
      const record = await this.options.store.find(id);
      if (record?.status === 'pending_confirmation') await this.restoreApplication(record, 'not confirmed in time');
    });
  }

  /** Claims the record (compare-and-set to rolling_back), restores its snapshot; null if another node claimed it. */
  private async restoreApplication(
    record: QosApplicationRecord,
    reason: string,
  ): Promise<(QosApplicationRecord & { verified: boolean }) | null> {
    this.forgetTimer(record.id);
    const store = this.options.store;
    if (
      !(await store.transition(record.id, [record.status], {
        status: 'rolling_back',
        error: `rolling back: ${reason}`,
        confirmDeadline: null,
      }))
    )
      return null;
    let verified: boolean;
    try {
      verified = await this.restore(record.snapshot);
    } catch (error) {
      // Nothing verified: give the record its status back so the rollback can be retried.
      const message = error instanceof Error ? error.message : String(error);
      await store.transition(record.id, ['rolling_back'], {
        status: record.status,
        error: `rollback (${reason}) failed: ${message}`,
        confirmDeadline: record.confirmDeadline,
      });
      throw error;
    }
    await store.update(record.id, {
      status: 'rolled_back',
      error: verified ? `rolled back: ${reason}` : `rollback (${reason}) did not verify`,
    });
    this.options.metrics?.operations.inc({ operation: 'rollback', outcome: verified ? 'verified' : 'unverified' });
    this.options.logger?.info({ applicationId: record.id, reason, verified }, 'qos application rolled back');
    return { ...record, status: 'rolled_back', confirmDeadline: null, verified };
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
    const pending = (await this.options.store.listPending()).filter(
      (record) => record.namespace === (this.options.runner.namespace ?? null) && this.ownsHost(record) && !this.timers.has(record.id),
    );
    for (const record of pending) this.armRevert(record.id, Math.max(0, (record.confirmDeadline?.getTime() ?? Date.now()) - Date.now()));
    return pending.length;
  }

  /** True when the application changed this node's host (or predates host recording). */
  private ownsHost(record: QosApplicationRecord): boolean {
    return record.host === null || record.host === this.host;
  }

  /** Cancels pending revert timers (process shutdown). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
