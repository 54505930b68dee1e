/**
 * Audit anchors: every N events or T milliseconds, whichever first, the chain head (last id,
 * its hash, the number of events up to it, the time) is signed with the anchor key and
 * appended as one JSON line to the anchor log. The log lives outside the database, so an
 * admin can mirror it elsewhere; verify then sees a deleted tail or a rewritten suffix.
 */
import { sign } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SqlQueries } from '../db/sql-runner.js';
import type { Logger } from '../logger.js';
import type { AnchorKey } from './anchor-key.js';
import type { AuditLog } from './audit-log.js';
import { canonicalJson } from './canonical-json.js';

/** The signed part of an anchor. */
export const anchorBodySchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^\d{1,19}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  count: z.number().int().min(1),
  at: z.iso.datetime(),
});

/** One line of the anchor log: the body and its Ed25519 signature (base64). */
export const anchorLineSchema = anchorBodySchema.extend({ sig: z.string().min(1) });

/** A parsed anchor line. */
export type AnchorLine = z.infer<typeof anchorLineSchema>;

/** The bytes that are signed: canonical JSON of the body, so any field change breaks the signature. */
export function anchorSigningBytes(body: z.infer<typeof anchorBodySchema>): Buffer {
  const { v, id, hash, count, at } = body;
  return Buffer.from(canonicalJson({ v, id, hash, count, at }));
}

/** Settings for the writer (from AUDIT_ANCHOR_* in the configuration). */
export interface AnchorWriterOptions {
  sql: SqlQueries;
  key: AnchorKey;
  logPath: string;
  every: number;
  intervalMs: number;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Told of each anchor once it is in the log: the parsed anchor and the exact line written
 * (without its newline), so a mirror can ship the signed bytes verbatim. Called synchronously
 * after the append; a listener must not block (queue its own work) and what it throws is logged.
 */
export type AnchorListener = (anchor: AnchorLine, line: string) => void;

/**
 * Writes anchors. Counts stored events through `AuditLog.onAppend`; anchors at `every` events
 * and on a timer when events arrived since the last anchor. Anchors are written one at a time.
 */
export class AuditAnchorWriter {
  private sinceLast = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private readonly listeners = new Set<AnchorListener>();

  constructor(private readonly options: AnchorWriterOptions) {}

  /** Starts counting `audit`'s appends and the interval timer. */
  start(audit: AuditLog): void {
    this.stopListening = audit.onAppend(() => {
      this.sinceLast += 1;
      if (this.sinceLast >= this.options.every) void this.anchorNow();
    });
    this.timer = setInterval(() => {
      if (this.sinceLast > 0) void this.anchorNow();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Adds a listener for written anchors (the mirror, src/audit/anchor-mirror.ts); returns its removal. */
  onAnchor(listener: AnchorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the timer and writes a last anchor if events arrived since the previous one. */
  async stop(): Promise<void> {
    this.stopListening?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.sinceLast > 0) await this.anchorNow();
    await this.writing;
  }

  /** Resolves once the anchors asked for so far are written (or failed and were logged). */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Signs the current head and appends it to the log; resolves with the line (null on an empty chain). */
  anchorNow(): Promise<AnchorLine | null> {
    this.sinceLast = 0;
    const result = this.writing.then(() => this.writeAnchor());
    this.writing = result.then(
      () => undefined,
      (error: unknown) => this.options.logger?.error({ err: error }, 'audit anchor could not be written'),
    );
    return result;
  }

  private async writeAnchor(): Promise<AnchorLine | null> {
    const { sql, key, logPath } = this.options;
    const rows = await sql.query<{ id: string; hash: string; count: string }>(
      `SELECT head.id::text AS id, head.hash, (SELECT count(*) FROM audit_events WHERE id <= head.id)::text AS count
       FROM (SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1) AS head`,
    );
    const head = rows[0];
    if (!head) return null;
    const body = {
      v: 1 as const,
      id: head.id,
      hash: head.hash,
      count: Number(head.count),
      at: (this.options.now?.() ?? new Date()).toISOString(),
    };
    const line: AnchorLine = { ...body, sig: sign(null, anchorSigningBytes(body), key.privateKey).toString('base64') };
    await mkdir(path.dirname(logPath), { recursive: true });
    const text = JSON.stringify(line);
    await appendFile(logPath, `${text}\n`, { mode: 0o644 });
    for (const listener of this.listeners) {
      try {
        listener(line, text);
      } catch (error) {
        this.options.logger?.error({ err: error, anchorId: line.id }, 'audit anchor listener failed');
      }
    }
    return line;
  }
}

/** A line of the anchor log, parsed or with why it could not be. */
export type ReadAnchor = { line: number; anchor: AnchorLine } | { line: number; error: string };

/**
 * Reads the anchor log; a missing file is no anchors. Lines that do not parse are returned as
 * errors. `copy` reads a mirrored copy pasted from chat: lines that do not start with `{`
 * (titles, code fences) are skipped and the others are trimmed, then parsed as strictly.
 */
export async function readAnchorLog(logPath: string, options: { copy?: boolean } = {}): Promise<ReadAnchor[]> {
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const result: ReadAnchor[] = [];
  text.split('\n').forEach((line, index) => {
    const raw = options.copy ? line.trim() : line;
    if (raw.trim() === '' || (options.copy && !raw.startsWith('{'))) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      result.push({ line: index + 1, error: 'not JSON' });
      return;
    }
    const parsed = anchorLineSchema.safeParse(json);
    if (parsed.success) result.push({ line: index + 1, anchor: parsed.data });
    else
      result.push({
        line: index + 1,
        error: `not an anchor: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
      });
  });
  return result;
}
