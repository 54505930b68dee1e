/**
 * The incidents table and its timeline. A notification is applied in one transaction that
 * holds an advisory lock on its group, so concurrent deliveries of one group (retries, two
 * nodes) serialise: one open incident per group key, repeats update it, `resolved` closes it
 * with its duration, and a group that fires again opens a new incident linked to the last.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SqlQueries, SqlRunner } from '../db/sql-runner.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Incident, IncidentEvent, PrismaClient } from '../generated/prisma/client.js';
import { afterCursorDescending, decodeCursor, encodeCursor, type Page } from '../actions/pagination.js';
import type { AlertNotification } from './alert-payloads.js';

/** Incident states. */
export const INCIDENT_STATUSES = ['firing', 'acknowledged', 'resolved'] as const;
/** One incident state. */
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system';

/** An incident as the API shows it. */
export interface IncidentView {
  id: string;
  source: string;
  groupKey: string;
  fingerprints: string[];
  status: IncidentStatus;
  severity: string;
  alertName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  route: string | null;
  startsAt: string;
  endsAt: string | null;
  durationMs: number | null;
  notifications: number;
  conversationId: string | null;
  previousId: string | null;
  threads: Record<string, unknown>;
  acknowledgedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One timeline entry. */
export interface TimelineEntry {
  id: string;
  at: string;
  kind: string;
  actor: string;
  channel: string;
  details: Record<string, unknown>;
}

/** What applying a notification did. */
export type IngestOutcome =
  { transition: 'opened' | 'updated' | 'resolved'; incident: IncidentView } | { transition: 'ignored'; incident: null };

/** Who changed an incident. */
export interface IncidentActor {
  name: string;
  channel: Channel;
  userId?: string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** Maps a Prisma row to the API view. */
export function incidentView(row: Incident): IncidentView {
  return {
    id: row.id,
    source: row.source,
    groupKey: row.groupKey,
    fingerprints: row.fingerprints as string[],
    status: row.status as IncidentStatus,
    severity: row.severity,
    alertName: row.alertName,
    labels: row.labels as Record<string, string>,
    annotations: row.annotations as Record<string, string>,
    route: row.route,
    startsAt: row.startsAt.toISOString(),
    endsAt: iso(row.endsAt),
    durationMs: row.durationMs === null ? null : Number(row.durationMs),
    notifications: row.notifications,
    conversationId: row.conversationId,
    previousId: row.previousId,
    threads: row.threads as Record<string, unknown>,
    acknowledgedBy: row.acknowledgedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const timelineEntry = (row: IncidentEvent): TimelineEntry => ({
  id: String(row.id),
  at: row.at.toISOString(),
  kind: row.kind,
  actor: row.actor,
  channel: row.channel,
  details: row.details as Record<string, unknown>,
});

/** A 48-bit advisory lock key for one group (shared by every node). */
export function groupLockKey(source: string, groupKey: string): number {
  return parseInt(createHash('sha256').update(`incident:${source}:${groupKey}`).digest('hex').slice(0, 12), 16);
}

async function addEvent(tx: SqlQueries, incidentId: string, kind: string, actor: IncidentActor, details: Record<string, unknown>) {
  await tx.query('INSERT INTO incident_events (incident_id, kind, actor, channel, details) VALUES ($1, $2, $3, $4::"Channel", $5::jsonb)', [
    incidentId,
    kind,
    actor.name,
    actor.channel,
    JSON.stringify(details),
  ]);
}

const SYSTEM: IncidentActor = { name: 'system:incidents', channel: 'system' };

/** Reads and writes incidents. */
export class IncidentStore {
  constructor(
    private readonly sql: SqlRunner,
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** How many incidents there are now, by status and source (the vigie_incidents gauge). */
  async countsByState(): Promise<Array<{ status: string; source: string; count: number }>> {
    const rows = await this.sql.query<{ status: string; source: string; count: string | number }>(
      'SELECT status, source, count(*) AS count FROM incidents GROUP BY status, source',
    );
    return rows.map((row) => ({ status: row.status, source: row.source, count: Number(row.count) }));
  }

  /** Applies one notification atomically (incident row and timeline together). */
  async ingest(notification: AlertNotification, context: { hookId: string | null; route: string }): Promise<IngestOutcome> {
    const { source, groupKey } = notification;
    const outcome = await this.sql.transaction(
      async (tx) => {
        const [open] = await tx.query<{ id: string; fingerprints: string[]; starts_at: Date }>(
          `SELECT id, fingerprints, starts_at FROM incidents WHERE source = $1 AND group_key = $2 AND status <> 'resolved' FOR UPDATE`,
          [source, groupKey],
        );
        const firing = notification.alerts.filter((alert) => alert.status === 'firing').map((alert) => alert.fingerprint);
        const now = this.now();
        if (notification.status === 'firing') {
          if (open) {
            const fingerprints = [...new Set([...open.fingerprints, ...firing])].slice(0, 1_000);
            await tx.query(
              `UPDATE incidents SET fingerprints = $2::jsonb, labels = $3::jsonb, annotations = $4::jsonb, severity = $5, notifications = notifications + 1, updated_at = $6 WHERE id = $1`,
              [
                open.id,
                JSON.stringify(fingerprints),
                JSON.stringify(notification.labels),
                JSON.stringify(notification.annotations),
                notification.severity,
                now,
              ],
            );
            await addEvent(tx, open.id, 'notified', SYSTEM, { alerts: notification.alerts.length, firing: firing.length });
            return { transition: 'updated' as const, id: open.id };
          }
          const [previous] = await tx.query<{ id: string }>(
            `SELECT id FROM incidents WHERE source = $1 AND group_key = $2 ORDER BY created_at DESC LIMIT 1`,
            [source, groupKey],
          );
          const id = randomUUID();
          const startsAt = new Date(Math.min(...notification.alerts.map((alert) => alert.startsAt.getTime()), now.getTime()));
          await tx.query(
            `INSERT INTO incidents (id, source, hook_id, group_key, fingerprints, status, severity, alert_name, labels, annotations, route, starts_at, previous_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, 'firing', $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $13)`,
            [
              id,
              source,
              context.hookId,
              groupKey,
              JSON.stringify(firing),
              notification.severity,
              notification.alertName,
              JSON.stringify(notification.labels),
              JSON.stringify(notification.annotations),
              context.route,
              startsAt,
              previous?.id ?? null,
              now,
            ],
          );
          await addEvent(tx, id, 'opened', SYSTEM, {
            route: context.route,
            alerts: notification.alerts.length,
            ...(previous ? { reopens: previous.id } : {}),
          });
          return { transition: 'opened' as const, id };
        }
        if (!open) return { transition: 'ignored' as const, id: null };
        const ends = notification.alerts.map((alert) => alert.endsAt?.getTime() ?? now.getTime());
        const endsAt = new Date(Math.max(...ends));
        const durationMs = Math.max(0, endsAt.getTime() - new Date(open.starts_at).getTime());
        await tx.query(
          `UPDATE incidents SET status = 'resolved', ends_at = $2, duration_ms = $3, notifications = notifications + 1, updated_at = $4 WHERE id = $1`,
          [open.id, endsAt, durationMs, now],
        );
        await addEvent(tx, open.id, 'resolved', SYSTEM, { by: source, durationMs });
        return { transition: 'resolved' as const, id: open.id };
      },
      groupLockKey(source, groupKey),
    );
    if (outcome.id === null) return { transition: 'ignored', incident: null };
    return { transition: outcome.transition, incident: await this.find(outcome.id) };
  }

  /** Acknowledges or resolves by hand; 409 when the incident is already resolved (or already acknowledged). */
  async transition(id: string, to: 'acknowledged' | 'resolved', actor: IncidentActor): Promise<IncidentView> {
    const current = await this.find(id);
    const result = await this.sql.transaction(
      async (tx) => {
        const [row] = await tx.query<{ status: string; starts_at: Date }>(
          'SELECT status, starts_at FROM incidents WHERE id = $1 FOR UPDATE',
          [id],
        );
        if (!row) return 'missing';
        if (row.status === 'resolved' || row.status === to) return row.status;
        const now = this.now();
        if (to === 'acknowledged') {
          await tx.query(`UPDATE incidents SET status = 'acknowledged', acknowledged_by = $2, updated_at = $3 WHERE id = $1`, [
            id,
            actor.name,
            now,
          ]);
        } else {
          await tx.query(`UPDATE incidents SET status = 'resolved', ends_at = $2, duration_ms = $3, updated_at = $2 WHERE id = $1`, [
            id,
            now,
            Math.max(0, now.getTime() - new Date(row.starts_at).getTime()),
          ]);
        }
        await addEvent(tx, id, to, actor, actor.userId ? { userId: actor.userId } : {});
        return 'ok';
      },
      groupLockKey(current.source, current.groupKey),
    );
    if (result === 'missing') throw new NotFoundError('Incident');
    if (result !== 'ok') throw new ConflictError(`Incident is already ${result}`);
    return this.find(id);
  }

  /** Appends a timeline entry outside a transition (diagnostics, thread posts). */
  async note(id: string, kind: string, actor: IncidentActor, details: Record<string, unknown>): Promise<void> {
    await addEvent(this.sql, id, kind, actor, details);
  }

  /** Links the console conversation and merges thread references (Slack ts, Discord message id). */
  async attach(id: string, changes: { conversationId?: string; threads?: Record<string, unknown> }): Promise<void> {
    if (changes.conversationId)
      await this.sql.query('UPDATE incidents SET conversation_id = $2 WHERE id = $1', [id, changes.conversationId]);
    if (changes.threads)
      await this.sql.query('UPDATE incidents SET threads = threads || $2::jsonb WHERE id = $1', [id, JSON.stringify(changes.threads)]);
  }

  /** One incident, or 404. */
  async find(id: string): Promise<IncidentView> {
    const row = await this.prisma.incident.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('Incident');
    return incidentView(row);
  }

  /** One incident's timeline, oldest first. */
  async timeline(id: string): Promise<TimelineEntry[]> {
    return (await this.prisma.incidentEvent.findMany({ where: { incidentId: id }, orderBy: { id: 'asc' }, take: 1_000 })).map(
      timelineEntry,
    );
  }

  /** Newest first, filtered, one keyset page at a time. */
  async list(filters: {
    status?: IncidentStatus | undefined;
    source?: string | undefined;
    severity?: string | undefined;
    alertName?: string | undefined;
    groupKey?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  }): Promise<Page<IncidentView>> {
    const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
    const rows = await this.prisma.incident.findMany({
      where: {
        AND: [
          filters.status ? { status: filters.status } : {},
          filters.source ? { source: filters.source } : {},
          filters.severity ? { severity: filters.severity } : {},
          filters.alertName ? { alertName: filters.alertName } : {},
          filters.groupKey ? { groupKey: filters.groupKey } : {},
          afterCursorDescending(cursor),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filters.limit + 1,
    });
    const page = rows.slice(0, filters.limit);
    return { data: page.map(incidentView), nextCursor: rows.length > filters.limit ? encodeCursor(page[page.length - 1]!) : null };
  }
}
