/**
 * The schedules table and its runs. A run is recorded in one transaction with the schedule
 * row locked: the run row is unique per (schedule, slot), so a job retried after its node
 * died, or a slot run twice by accident, is recorded once; the consecutive counts and the
 * flap-damped alerting flag move in the same transaction, so two nodes can never both
 * decide to open (or resolve) the schedule's incident.
 */
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../db/sql-runner.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { groupLockKey } from './incident-store.js';

/** What one run found. */
export type RunStatus = 'healthy' | 'failing' | 'error' | 'refused';

/** A schedule as the API shows it. */
export interface ScheduleView {
  id: string;
  name: string;
  command: string;
  tool: string;
  args: Record<string, unknown>;
  intervalMs: number;
  failThreshold: number;
  recoverThreshold: number;
  enabled: boolean;
  createdBy: string | null;
  lastRunAt: string | null;
  lastStatus: RunStatus | null;
  lastSummary: string | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  alerting: boolean;
  runs: number;
  createdAt: string;
}

/** One stored run. */
export interface ScheduleRunView {
  id: string;
  slot: string;
  startedAt: string;
  finishedAt: string;
  node: string;
  status: RunStatus;
  healthy: boolean;
  summary: string;
  executionId: string | null;
  changed: boolean;
  latenessMs: number;
}

/** A run to record. */
export interface RunRecord {
  slot: Date;
  startedAt: Date;
  node: string;
  status: RunStatus;
  summary: string;
  result: unknown;
  executionId: string | null;
  latenessMs: number;
}

/** What recording a run did: nothing (duplicate slot, schedule gone) or the new state and any incident transition. */
export type RecordOutcome =
  { recorded: false } | { recorded: true; schedule: ScheduleView; run: ScheduleRunView; transition: 'fire' | 'resolve' | null };

type Row = Record<string, unknown>;
const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());

function scheduleView(row: Row): ScheduleView {
  return {
    id: String(row.id),
    name: String(row.name),
    command: String(row.command),
    tool: String(row.tool),
    args: (typeof row.args === 'string' ? JSON.parse(row.args) : row.args) as Record<string, unknown>,
    intervalMs: Number(row.interval_ms),
    failThreshold: Number(row.fail_threshold),
    recoverThreshold: Number(row.recover_threshold),
    enabled: Boolean(row.enabled),
    createdBy: (row.created_by as string | null) ?? null,
    lastRunAt: iso(row.last_run_at),
    lastStatus: (row.last_status as RunStatus | null) ?? null,
    lastSummary: (row.last_summary as string | null) ?? null,
    consecutiveFailures: Number(row.consecutive_failures),
    consecutiveSuccesses: Number(row.consecutive_successes),
    alerting: Boolean(row.alerting),
    runs: Number(row.runs),
    createdAt: iso(row.created_at)!,
  };
}

function runView(row: Row): ScheduleRunView {
  return {
    id: String(row.id),
    slot: iso(row.slot)!,
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at)!,
    node: String(row.node),
    status: row.status as RunStatus,
    healthy: Boolean(row.healthy),
    summary: String(row.summary),
    executionId: (row.execution_id as string | null) ?? null,
    changed: Boolean(row.changed),
    latenessMs: Number(row.lateness_ms),
  };
}

/** The most schedules one installation keeps (each is a recurring job on every node). */
export const MAX_SCHEDULES = 500;

/** Reads and writes schedules and their runs. */
export class ScheduleStore {
  constructor(private readonly sql: SqlRunner) {}

  /** Creates a schedule; 409 on a name in use or when the installation is full. */
  async create(input: {
    name: string;
    command: string;
    tool: string;
    args: Record<string, unknown>;
    intervalMs: number;
    failThreshold: number;
    recoverThreshold: number;
    createdBy: string | null;
  }): Promise<ScheduleView> {
    const id = randomUUID();
    const created = await this.sql.transaction(
      async (tx) => {
        const [count] = await tx.query<{ count: string | number }>('SELECT count(*) AS count FROM schedules');
        if (Number(count!.count) >= MAX_SCHEDULES) throw new ConflictError(`At most ${MAX_SCHEDULES} schedules; remove one first`);
        const rows = await tx.query<Row>(
          `INSERT INTO schedules (id, name, command, tool, args, interval_ms, fail_threshold, recover_threshold, created_by)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) ON CONFLICT (name) DO NOTHING RETURNING *`,
          [
            id,
            input.name,
            input.command,
            input.tool,
            JSON.stringify(input.args),
            input.intervalMs,
            input.failThreshold,
            input.recoverThreshold,
            input.createdBy,
          ],
        );
        return rows[0];
      },
      groupLockKey('schedule', 'create'),
    );
    if (!created) throw new ConflictError(`A schedule named "${input.name}" already exists`);
    return scheduleView(created);
  }

  /** Every schedule, oldest first. */
  async list(): Promise<ScheduleView[]> {
    return (await this.sql.query<Row>('SELECT * FROM schedules ORDER BY created_at, id')).map(scheduleView);
  }

  /** One schedule, or 404. */
  async find(id: string): Promise<ScheduleView> {
    const [row] = await this.sql.query<Row>('SELECT * FROM schedules WHERE id = $1', [id]);
    if (!row) throw new NotFoundError('Schedule');
    return scheduleView(row);
  }

  /** One schedule, or null (a job for a schedule deleted meanwhile). */
  async findOrNull(id: string): Promise<ScheduleView | null> {
    const [row] = await this.sql.query<Row>('SELECT * FROM schedules WHERE id = $1', [id]);
    return row ? scheduleView(row) : null;
  }

  /** Deletes a schedule (its runs go with it); 404 when absent. */
  async remove(id: string): Promise<ScheduleView> {
    const [row] = await this.sql.query<Row>('DELETE FROM schedules WHERE id = $1 RETURNING *', [id]);
    if (!row) throw new NotFoundError('Schedule');
    return scheduleView(row);
  }

  /** A schedule's latest runs, newest first. */
  async runs(id: string, limit = 20): Promise<ScheduleRunView[]> {
    return (
      await this.sql.query<Row>('SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY slot DESC, id DESC LIMIT $2', [id, limit])
    ).map(runView);
  }

  /** Enabled schedules whose last run (or creation) is older than twice their interval. */
  async overdue(now: Date): Promise<ScheduleView[]> {
    return (
      await this.sql.query<Row>(
        `SELECT * FROM schedules WHERE enabled AND coalesce(last_run_at, created_at) < $1::timestamptz - make_interval(secs => interval_ms * 2 / 1000.0) ORDER BY name`,
        [now],
      )
    ).map(scheduleView);
  }

  /**
   * Records one run: nothing when the slot was already recorded (a retried or duplicated
   * job) or the schedule is gone. Otherwise compares it with the previous run, moves the
   * consecutive counts and says whether the flap-damped state changed (fire / resolve).
   */
  async record(scheduleId: string, run: RunRecord): Promise<RecordOutcome> {
    const healthy = run.status === 'healthy';
    return this.sql.transaction(
      async (tx) => {
        const [current] = await tx.query<Row>('SELECT * FROM schedules WHERE id = $1 FOR UPDATE', [scheduleId]);
        if (!current) return { recorded: false } as const;
        const schedule = scheduleView(current);
        const [previous] = await tx.query<{ id: string; healthy: boolean; summary: string }>(
          'SELECT id, healthy, summary FROM schedule_runs WHERE schedule_id = $1 ORDER BY slot DESC, id DESC LIMIT 1',
          [scheduleId],
        );
        const changed = !previous || previous.healthy !== healthy || previous.summary !== run.summary;
        const [inserted] = await tx.query<Row>(
          `INSERT INTO schedule_runs (schedule_id, slot, started_at, node, status, healthy, summary, result, execution_id, previous_id, changed, lateness_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12) ON CONFLICT (schedule_id, slot) DO NOTHING RETURNING *`,
          [
            scheduleId,
            run.slot,
            run.startedAt,
            run.node.slice(0, 100),
            run.status,
            healthy,
            run.summary.slice(0, 1_000),
            run.result === undefined ? null : JSON.stringify(run.result),
            run.executionId,
            previous?.id ?? null,
            changed,
            Math.max(0, Math.min(2_000_000_000, Math.round(run.latenessMs))),
          ],
        );
        if (!inserted) return { recorded: false } as const;
        const failures = healthy ? 0 : schedule.consecutiveFailures + 1;
        const successes = healthy ? schedule.consecutiveSuccesses + 1 : 0;
        let transition: 'fire' | 'resolve' | null = null;
        if (!schedule.alerting && failures >= schedule.failThreshold) transition = 'fire';
        if (schedule.alerting && successes >= schedule.recoverThreshold) transition = 'resolve';
        const alerting = transition === 'fire' ? true : transition === 'resolve' ? false : schedule.alerting;
        const [updated] = await tx.query<Row>(
          `UPDATE schedules SET last_run_at = $2, last_status = $3, last_summary = $4, consecutive_failures = $5, consecutive_successes = $6, alerting = $7, runs = runs + 1, updated_at = now() WHERE id = $1 RETURNING *`,
          [scheduleId, new Date(), run.status, run.summary.slice(0, 1_000), failures, successes, alerting],
        );
        return { recorded: true, schedule: scheduleView(updated!), run: runView(inserted), transition } as const;
      },
      groupLockKey('schedule', scheduleId),
    );
  }
}
