/**
 * Makes the audit trail searchable like the runbooks ("who changed eth0 QoS last week?"):
 * every committed audit event is described in words, embedded and indexed as it is written
 * (batched, off the request path), and searched with the same hybrid fusion.
 */
import type { AuditRecord } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Embedder } from '../inference/inference-contract.js';
import { toPgVector, toStoredVector } from '../inference/embedding-service.js';
import { ANY_TERM_QUERY, RRF_K } from './hybrid-search.js';

/** Words for an event: who, what, on which tool, with which arguments, when. */
export function describeAuditEvent(record: AuditRecord): string {
  const when = new Date(record.createdAt);
  const parts = [
    record.actorName ?? 'someone',
    record.action.replace(/[._]/g, ' '),
    record.status,
    record.tool ? `tool ${record.tool.replace(/_/g, ' ')}` : '',
    `via ${record.channel}`,
    Object.entries((record.arguments as Record<string, unknown>) ?? {})
      .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' '),
    `on ${when.toISOString().slice(0, 10)} ${['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][when.getUTCDay()]}`,
  ];
  return parts.filter(Boolean).join(' ');
}

/** An audit event found by search. */
export interface AuditHit {
  eventId: string;
  createdAt: string;
  text: string;
  score: number;
}

/** Indexes events in the background and searches them. */
export class AuditIndexer {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly embedder: Embedder,
    private readonly logger?: Logger,
  ) {}

  /** Queues an event (called from AuditLog.onAppend). */
  enqueue(record: AuditRecord): void {
    this.pending.push(record);
    this.timer ??= setTimeout(() => void this.flush(), 100);
    this.timer.unref?.();
  }

  /** Writes everything queued; resolves when done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    this.flushing = this.flushing
      .then(() => (batch.length ? this.write(batch) : undefined))
      .catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'audit search index: batch not indexed');
      });
    return this.flushing;
  }

  private async write(batch: AuditRecord[]): Promise<void> {
    const texts = batch.map(describeAuditEvent);
    const vectors = await this.embedder.embed(texts);
    const rows = batch.map((record, index) => ({
      event_id: record.id,
      created_at: record.createdAt,
      text: texts[index],
      embedding: toPgVector(toStoredVector(vectors[index]!)),
    }));
    await this.database.sql.query(
      `INSERT INTO audit_event_index (event_id, created_at, text, search_vector, embedding)
       SELECT r.event_id, r.created_at, r.text, to_tsvector('english', r.text) || to_tsvector('french', r.text), r.embedding::vector
       FROM jsonb_to_recordset($1::jsonb) AS r(event_id bigint, created_at timestamptz, text text, embedding text)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** Hybrid search over indexed events, optionally within a time range. */
  async search(query: { q: string; k: number; since?: Date | undefined; until?: Date | undefined }): Promise<AuditHit[]> {
    await this.flush();
    const [vector] = await this.embedder.embed([query.q]);
    const range = [query.since?.toISOString() ?? null, query.until?.toISOString() ?? null];
    const depth = Math.max(query.k * 4, 20);
    const [lexical, nearest] = await Promise.all([
      this.database.sql.query<{ event_id: string; created_at: Date; text: string }>(
        `WITH q AS (SELECT ${ANY_TERM_QUERY} AS query)
         SELECT event_id::text, created_at, text FROM audit_event_index, q
         WHERE search_vector @@ q.query AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
         ORDER BY ts_rank_cd(search_vector, q.query) DESC, event_id DESC LIMIT $2`,
        [query.q, depth, ...range],
      ),
      this.database.sql.query<{ event_id: string; created_at: Date; text: string }>(
        `SELECT event_id::text, created_at, text FROM audit_event_index
         WHERE ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
         ORDER BY embedding <=> $1::vector LIMIT $2`,
        [toPgVector(toStoredVector(vector!)), depth, ...range],
      ),
    ]);
    const fused = new Map<string, AuditHit>();
    for (const rows of [lexical, nearest]) {
      rows.forEach((row, index) => {
        const hit = fused.get(row.event_id) ?? {
          eventId: row.event_id,
          createdAt: new Date(row.created_at).toISOString(),
          text: row.text,
          score: 0,
        };
        hit.score += 1 / (RRF_K + index + 1);
        fused.set(row.event_id, hit);
      });
    }
    return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, query.k);
  }
}
