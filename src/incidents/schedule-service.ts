/**
 * Scheduled checks: creation (the command routed and checked read-only before anything is
 * stored), the timers that fire them (BullMQ job schedulers with Redis, in-process timers
 * embedded), each run recorded once per slot and compared with the previous one, and the
 * flap-damped incident path: N failing runs in a row send a `firing` notification with
 * source `schedule` through the same IncidentService as Alertmanager's, N healthy ones a
 * `resolved`. A watchdog on every node reconciles the timers with the table and reports
 * schedules overdue by twice their interval (metric and log).
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { assertMay } from '../auth/policy.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import { validateArguments } from '../tools/pipeline/argument-validation.js';
import type { AlertNotification } from './alert-payloads.js';
import type { IncidentService } from './incident-service.js';
import { runCheck, type CheckOutcome } from './schedule-check.js';
import { checkInterval, nameFromCommand, parseInterval, type ScheduleInput } from './schedule-input.js';
import type { ScheduleMetrics } from './schedule-metrics.js';
import type { ScheduleStore, ScheduleView } from './schedule-store.js';
import type { ScheduleTimers } from './schedule-timers.js';

/** Tunables (configuration in main.ts, tests directly). */
export interface ScheduleSettings {
  /** Shortest interval accepted (SCHEDULE_MIN_INTERVAL_MS, default 10 s). */
  minIntervalMs: number;
  /** Default consecutive failing runs that open an incident (SCHEDULE_FLAP_THRESHOLD). */
  failThreshold: number;
  /** Default consecutive healthy runs that resolve it. */
  recoverThreshold: number;
  /** How often the watchdog reconciles timers and looks for overdue schedules. */
  watchdogMs: number;
  /** This node's name in the runs table. */
  node: string;
}

/** Who made a change and from where. */
export interface ScheduleActor {
  principal: Principal;
  channel: 'api' | 'console' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';
}

/** Manages and runs schedules. */
export class ScheduleService {
  private watchdog: NodeJS.Timeout | undefined;
  private readonly overdueIds = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: {
      store: ScheduleStore;
      timers: ScheduleTimers;
      tools: ToolRuntime;
      /** Where flap-damped state changes go (the same path as Alertmanager's notifications). */
      incidents: Pick<IncidentService, 'receive'>;
      audit: AuditLog;
      metrics: ScheduleMetrics;
      logger: Logger;
      system: () => Promise<Principal>;
      settings: ScheduleSettings;
    },
  ) {}

  /** Routes and checks a command: it must be a registered read-only tool the caller may run, with valid arguments. */
  resolveCommand(command: string, principal: Principal): { tool: string; args: Record<string, unknown> } {
    const routed = this.deps.tools.router.route(command, principal.role);
    if (routed.kind !== 'call')
      throw new ValidationError(`Invalid body.command: "${command.slice(0, 100)}" is not a tool command (type "help" for the list)`);
    const registered = this.deps.tools.registry.get(routed.tool)!;
    if (registered.tool.risk !== 'read')
      throw new ValidationError(`Invalid body.command: ${routed.tool} is not a read-only tool; only checks can be scheduled`);
    assertMay(principal, 'tool.offer', `${routed.tool} needs the ${registered.tool.minRole} role`, { minRole: registered.tool.minRole });
    validateArguments(routed.tool, registered.tool.inputSchema, routed.args, 16_384);
    return { tool: routed.tool, args: routed.args };
  }

  /** Creates a schedule and arms its timer; audited. */
  async create(actor: ScheduleActor, input: ScheduleInput): Promise<ScheduleView> {
    const intervalMs = checkInterval(parseInterval(input.interval), this.deps.settings.minIntervalMs);
    const { tool, args } = this.resolveCommand(input.command, actor.principal);
    const schedule = await this.deps.store.create({
      name: input.name ?? nameFromCommand(input.command),
      command: input.command,
      tool,
      args,
      intervalMs,
      failThreshold: input.failThreshold ?? this.deps.settings.failThreshold,
      recoverThreshold: input.recoverThreshold ?? this.deps.settings.recoverThreshold,
      createdBy: actor.principal.userId || null,
    });
    await this.deps.audit.append({
      action: 'schedule.created',
      channel: actor.channel,
      actorId: actor.principal.userId || null,
      actorName: actor.principal.userName,
      tool,
      details: { scheduleId: schedule.id, name: schedule.name, command: schedule.command, intervalMs },
    });
    await this.deps.timers.upsert(schedule.id, schedule.intervalMs);
    return schedule;
  }

  /** Deletes a schedule and its timer; audited. */
  async remove(actor: ScheduleActor, id: string): Promise<ScheduleView> {
    const schedule = await this.deps.store.remove(id);
    await this.deps.timers.remove(id);
    await this.deps.audit.append({
      action: 'schedule.removed',
      channel: actor.channel,
      actorId: actor.principal.userId || null,
      actorName: actor.principal.userName,
      tool: schedule.tool,
      details: { scheduleId: id, name: schedule.name },
    });
    return schedule;
  }

  /** Starts taking runs, arms every stored schedule and starts the watchdog. */
  async start(): Promise<void> {
    await this.deps.timers.start((id, slot) => this.runSlot(id, slot));
    await this.reconcile();
    this.watchdog = setInterval(() => {
      void this.tick().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'schedule watchdog failed'));
    }, this.deps.settings.watchdogMs);
    this.watchdog.unref();
  }

  /** Stops the watchdog and the timers (runs in progress finish). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await this.deps.timers.close();
  }

  /** Arms missing timers, re-arms changed ones, drops timers of deleted schedules. */
  async reconcile(): Promise<void> {
    const [schedules, timers] = await Promise.all([this.deps.store.list(), this.deps.timers.list()]);
    const wanted = new Map(schedules.filter((schedule) => schedule.enabled).map((schedule) => [schedule.id, schedule.intervalMs]));
    for (const [id, everyMs] of wanted) if (timers.get(id) !== everyMs) await this.deps.timers.upsert(id, everyMs);
    for (const id of timers.keys()) if (!wanted.has(id)) await this.deps.timers.remove(id);
  }

  /** One watchdog pass: reconcile, then report overdue schedules (each once per episode). */
  async tick(now = new Date()): Promise<ScheduleView[]> {
    if (this.closed) return [];
    await this.reconcile();
    const overdue = await this.deps.store.overdue(now);
    this.deps.metrics.overdue.set(overdue.length);
    const ids = new Set(overdue.map((schedule) => schedule.id));
    for (const schedule of overdue) {
      if (this.overdueIds.has(schedule.id)) continue;
      this.deps.logger.warn(
        { scheduleId: schedule.id, schedule: schedule.name, intervalMs: schedule.intervalMs, lastRunAt: schedule.lastRunAt },
        'schedule overdue: no run for twice its interval',
      );
    }
    this.overdueIds.clear();
    for (const id of ids) this.overdueIds.add(id);
    return overdue;
  }

  /** Runs one slot of one schedule (the timers call this). */
  async runSlot(id: string, slot: Date): Promise<void> {
    const startedAt = new Date();
    const schedule = await this.deps.store.findOrNull(id);
    if (!schedule) {
      // Deleted on another node (or by the CLI): drop the timer here too.
      await this.deps.timers.remove(id);
      return;
    }
    if (!schedule.enabled) return;
    const latenessMs = Math.max(0, startedAt.getTime() - slot.getTime());
    this.deps.metrics.lateness.observe(latenessMs / 1000);
    const outcome = await runCheck({ tools: this.deps.tools, system: this.deps.system }, schedule);
    const recorded = await this.deps.store.record(id, {
      slot,
      startedAt,
      node: this.deps.settings.node,
      status: outcome.status,
      summary: outcome.summary,
      result: outcome.result,
      executionId: outcome.executionId,
      latenessMs,
    });
    if (!recorded.recorded) {
      this.deps.metrics.runs.inc({ status: 'duplicate' });
      return;
    }
    this.deps.metrics.runs.inc({ status: outcome.status });
    if (recorded.transition) await this.notify(recorded.schedule, outcome, recorded.transition === 'fire' ? 'firing' : 'resolved');
  }

  /** Sends the schedule's state through the incident path, as an alert source would. */
  private async notify(schedule: ScheduleView, outcome: CheckOutcome, status: 'firing' | 'resolved'): Promise<void> {
    const targets = schedule.args.targets ?? schedule.args.target;
    const instance =
      typeof targets === 'string'
        ? targets.split(',')[0]!.trim()
        : Array.isArray(targets) && typeof targets[0] === 'string'
          ? targets[0]
          : undefined;
    const severity = status === 'firing' && outcome.critical ? 'critical' : 'warning';
    const labels: Record<string, string> = {
      alertname: schedule.name,
      schedule: schedule.name,
      tool: schedule.tool,
      severity,
      ...(instance ? { instance } : {}),
    };
    const annotations = { summary: outcome.summary, command: schedule.command };
    const now = new Date();
    const notification: AlertNotification = {
      source: 'schedule',
      groupKey: `schedule:${schedule.id}`,
      status,
      alertName: schedule.name,
      severity,
      labels,
      annotations,
      alerts: [
        {
          fingerprint: schedule.id.replace(/-/g, '').slice(0, 32),
          status,
          labels,
          annotations,
          startsAt: now,
          endsAt: status === 'resolved' ? now : null,
        },
      ],
    };
    await this.deps.incidents.receive([notification], { id: null, name: schedule.name });
  }
}
