/**
 * The tamper-evident audit trail. Each event stores sha256(previous hash + canonical JSON of
 * the event); the database refuses UPDATE and DELETE. Appends from one process are grouped
 * into one transaction (group commit) under an advisory lock, so many nodes and many
 * concurrent executions still form a single valid chain. A state change and the events that
 * record it can share that transaction (`appendWith`): both commit, or neither does.
 */
import { isDependencyUnavailable } from '../db/db-errors.js';
import type { SqlQueries, SqlRunner } from '../db/sql-runner.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { escapeAuditRecord } from './audit-escape.js';
import { GENESIS_HASH, auditRecordOf, type AuditInput, type AuditRecord, type Unhashed } from './audit-chain.js';
import {
  AUDIT_INSERT_SQL,
  auditRecordsJson,
  chainAfter,
  HEAD_MOVED_CODE,
  headGuardStatement,
  inlineParameters,
  withIds,
} from './audit-statements.js';

export {
  GENESIS_HASH,
  auditRecordFromRow,
  chainHash,
  hashedFields,
  verifyAuditChain,
  type AuditInput,
  type AuditRecord,
} from './audit-chain.js';

const AUDIT_LOCK_KEY = 0x56494741; // "VIGA"

/** A state change run inside the audit transaction; its result picks the events to record. */
export type AuditedChange<T> = (tx: SqlQueries) => Promise<T>;

/**
 * A change many callers make with their own input (a new row each): the batch runs it as ONE
 * statement for all its callers' inputs (a multi-row INSERT), whose rows map back to one result
 * per input, in order. Its callers must not depend on each other (independent rows).
 */
export interface BatchedChange<I, T> {
  /** The statement for `inputs` (text and parameters). */
  statement(inputs: I[]): { text: string; params: unknown[] };
  /** One result per input, from the statement's rows. */
  results(rows: unknown[], inputs: I[]): T[];
  /**
   * The result an input will have, known before the statement runs (a row whose every field
   * the caller chose): its events can then be built first, and the whole batch sent in one
   * round trip (SqlRunner.script). The caller still gets the stored result.
   */
  predict?(input: I): T;
}

interface Pending {
  /** Runs first, in the batch's transaction; a throw rolls the whole batch back. */
  change?: AuditedChange<unknown>;
  /** Runs with the other inputs of the same change in the batch, before the single changes. */
  batched?: { change: BatchedChange<unknown, unknown>; input: unknown };
  /** The events, from the change's result (none: nothing to record, e.g. a lost race). */
  build: (result: unknown) => Unhashed[];
  resolve: (outcome: { result: unknown; records: AuditRecord[] }) => void;
  reject: (error: unknown) => void;
  /** The events of the last attempt, stored escaped if the database refuses them. */
  built?: Unhashed[];
}

/** The state change of an `appendWith` failed: its own error, kept apart from audit refusals. */
class ChangeFailed extends Error {
  constructor(readonly original: unknown) {
    super('audited change failed');
  }
}

/**
 * The event carried text the database cannot store as is; it was stored in escaped form
 * (never dropped) and only the request that carried it sees this error (400).
 */
export class AuditEscapedError extends AppError {
  constructor(readonly auditId: string) {
    super(
      'invalid_text',
      400,
      'The request carried text that cannot be stored as is (a NUL byte or a lone UTF-16 surrogate, for instance); it was recorded in the audit log in escaped form and not carried out',
      { auditId },
    );
  }
}

/**
 * Appends events, batching concurrent appends into one transaction. A batch the database
 * refuses is retried event by event; an event still refused is stored escaped (see
 * audit-escape.ts) and only its caller gets an error. When the database is down, every
 * caller of the batch gets the connection error (answered 503) and nothing is half-written.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private readonly listeners = new Set<(record: AuditRecord) => void>();
  /** Hash of the last event this instance stored: the chain's head unless another writer appended since. */
  private head: string | undefined;

  constructor(
    private readonly sql: SqlRunner,
    private readonly maxBatch = 500,
    private readonly logger?: Logger,
  ) {}

  /** Called with every stored event (the realtime gateway forwards them to admins). */
  onAppend(listener: (record: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores one event; resolves once it is committed with its hash. */
  async append(input: AuditInput): Promise<AuditRecord> {
    // Built at once: createdAt is the time of the call.
    const record = auditRecordOf(input);
    const { records } = await this.enqueue({ build: () => [record] });
    return records[0]!;
  }

  /**
   * Runs `change` and stores the events `events(result)` in one transaction, grouped with
   * other appends: the change and its events commit together or not at all. A change that
   * throws fails this call with its own error and records nothing. Events the database
   * refuses are stored escaped without the change, and the caller gets AuditEscapedError.
   */
  async appendWith<T>(change: AuditedChange<T>, events: (result: T) => AuditInput[]): Promise<{ result: T; records: AuditRecord[] }> {
    const outcome = await this.enqueue({ change, build: (result) => events(result as T).map(auditRecordOf) });
    return outcome as { result: T; records: AuditRecord[] };
  }

  /**
   * Like appendWith, for a change made by many callers at once: the batch runs `change` once
   * with every caller's input (see BatchedChange), then stores each caller's events.
   */
  async appendBatched<I, T>(
    change: BatchedChange<I, T>,
    input: I,
    events: (result: T) => AuditInput[],
  ): Promise<{ result: T; records: AuditRecord[] }> {
    const outcome = await this.enqueue({
      batched: { change: change as BatchedChange<unknown, unknown>, input },
      build: (result) => events(result as T).map(auditRecordOf),
    });
    return outcome as { result: T; records: AuditRecord[] };
  }

  private enqueue(item: Pick<Pending, 'change' | 'batched' | 'build'>): Promise<{ result: unknown; records: AuditRecord[] }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Waits for every queued event to be written. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Yield once so appends made in the same tick (e.g. an execution's "proposed" and
    // "started") share one transaction instead of the first one committing alone.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const written = await this.writeBatch(batch);
          batch.forEach((item, index) => item.resolve(written[index]!));
          this.notify(written.flatMap((entry) => entry.records));
        } catch (error) {
          if (isDependencyUnavailable(error)) batch.forEach((item) => item.reject(error));
          else {
            this.logger?.warn({ err: error, events: batch.length }, 'audit batch refused; retrying event by event');
            for (const item of batch) await this.writeAlone(item, batch.length === 1 ? error : undefined);
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * One item on its own. A failed change fails its caller with the change's error, nothing
   * stored. Events refused again are stored in escaped form (without the change) and only
   * this caller gets an error.
   */
  private async writeAlone(item: Pending, knownError?: unknown): Promise<void> {
    let refusal = knownError;
    if (refusal === undefined) {
      try {
        const [written] = await this.writeBatch([item]);
        item.resolve(written!);
        this.notify(written!.records);
        return;
      } catch (error) {
        if (isDependencyUnavailable(error)) return item.reject(error);
        refusal = error;
      }
    }
    if (refusal instanceof ChangeFailed) return item.reject(refusal.original);
    const reason = refusal instanceof Error ? refusal.message : String(refusal);
    try {
      // The events of the refused attempt (the change's result is rolled back and not re-run).
      const records = item.built ?? [];
      if (records.length === 0) return item.reject(refusal);
      const [written] = await this.writeBatch([
        { ...item, change: undefined, batched: undefined, build: () => records.map((record) => escapeAuditRecord(record, reason)) },
      ]);
      const stored = written!.records;
      this.logger?.warn(
        { err: refusal, auditIds: stored.map((record) => record.id), actions: stored.map((record) => record.action) },
        'audit event stored in escaped form',
      );
      this.notify(stored);
      item.reject(new AuditEscapedError(stored[0]?.id ?? ''));
    } catch (error) {
      this.logger?.error({ err: error }, 'audit event could not be stored, even escaped');
      item.reject(error);
    }
  }

  private notify(stored: AuditRecord[]): void {
    for (const record of stored) for (const listener of this.listeners) listener(record);
  }

  /**
   * Writes one batch under the chain's advisory lock. The hash of the last event this
   * process stored is kept, and the INSERT only takes effect if it still is the chain's head
   * (read under the lock, in the same statement): the common case costs one statement, and
   * when another node appended meanwhile the head is read and the batch chained again.
   */
  private async writeBatch(items: Pending[]): Promise<Array<{ result: unknown; records: AuditRecord[] }>> {
    const expected = this.head;
    if (
      this.sql.script &&
      expected !== undefined &&
      items.every((item) => !item.change && (!item.batched || item.batched.change.predict))
    ) {
      try {
        return await this.writeScript(items, expected);
      } catch (error) {
        if (isDependencyUnavailable(error)) throw error;
        // Another writer appended (or the database refused something): the transaction below
        // reads the head again and tells a refused change from a refused event.
        if ((error as { code?: string }).code !== HEAD_MOVED_CODE)
          this.logger?.debug({ err: error }, 'one-round-trip audit batch failed; writing it in a transaction');
      }
    }
    const { results, counts, written } = await this.sql.transaction(async (locked) => {
      // The changes first (batched ones one statement each, then the others in queue order);
      // then their events and the plain appends, chained in queue order.
      const results = await runChanges(locked, items);
      const records: Unhashed[] = [];
      const counts: number[] = [];
      for (const [index, item] of items.entries()) {
        const result = results[index];
        const built = item.build(result);
        item.built = built;
        counts.push(built.length);
        records.push(...built);
      }
      if (records.length === 0) return { results, counts, written: [] as AuditRecord[] };
      if (expected !== undefined) {
        const stored = await this.insertChained(locked, records, expected, true);
        if (stored) return { results, counts, written: stored };
      }
      const last = await locked.query<{ hash: string }>('SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1');
      return { results, counts, written: (await this.insertChained(locked, records, last[0]?.hash ?? GENESIS_HASH, false))! };
    }, AUDIT_LOCK_KEY);
    return this.stored(items, results, counts, written);
  }

  /**
   * The whole batch in ONE round trip (SqlRunner.script), when every change's result is known
   * before it runs (BatchedChange.predict): the lock, a guard that the chain's head is still
   * `expected`, each batched change's statement, the events' INSERT, all committed together.
   */
  private async writeScript(items: Pending[], expected: string): Promise<Array<{ result: unknown; records: AuditRecord[] }>> {
    const groups = batchedGroups(items);
    const counts: number[] = [];
    const records: Unhashed[] = [];
    for (const item of items) {
      const built = item.build(item.batched ? item.batched.change.predict!(item.batched.input) : undefined);
      item.built = built;
      counts.push(built.length);
      records.push(...built);
    }
    const chained = chainAfter(records, expected);
    const statements = [headGuardStatement(expected)];
    for (const [change, indexes] of groups) {
      const { text, params } = change.statement(indexes.map((index) => items[index]!.batched!.input));
      statements.push(inlineParameters(text, params));
    }
    if (chained.length > 0) statements.push(inlineParameters(AUDIT_INSERT_SQL, [auditRecordsJson(chained), false, expected]));
    const rows = await this.sql.script!(statements, AUDIT_LOCK_KEY);
    const results: unknown[] = new Array(items.length);
    [...groups].forEach(([change, indexes], group) => {
      const out = change.results(
        rows[group + 1]!,
        indexes.map((index) => items[index]!.batched!.input),
      );
      indexes.forEach((index, position) => (results[index] = out[position]));
    });
    const written = chained.length > 0 ? withIds(chained, rows[rows.length - 1] as Array<{ id: string }>) : [];
    return this.stored(items, results, counts, written);
  }

  /** Moves the head past `written` and hands each item its result and its events. */
  private stored(items: Pending[], results: unknown[], counts: number[], written: AuditRecord[]) {
    this.head = written[written.length - 1]?.hash ?? this.head;
    let offset = 0;
    return items.map((_, index) => {
      const records = written.slice(offset, offset + counts[index]!);
      offset += counts[index]!;
      return { result: results[index], records };
    });
  }

  /** Chains `records` after `prevHash` and inserts them; `null` when `onlyIfHead` and `prevHash` is no longer the head. */
  private async insertChained(
    locked: SqlQueries,
    records: Unhashed[],
    prevHash: string,
    onlyIfHead: boolean,
  ): Promise<AuditRecord[] | null> {
    const chained = chainAfter(records, prevHash);
    const rows = await locked.query<{ id: string }>(AUDIT_INSERT_SQL, [auditRecordsJson(chained), onlyIfHead, prevHash]);
    if (rows.length === 0 && chained.length > 0) return null;
    return withIds(chained, rows);
  }
}

/** The batched changes of a batch, each with the positions of its items. */
function batchedGroups(items: Pending[]): Map<BatchedChange<unknown, unknown>, number[]> {
  const groups = new Map<BatchedChange<unknown, unknown>, number[]>();
  items.forEach((item, index) => {
    if (!item.batched) return;
    const group = groups.get(item.batched.change);
    if (group) group.push(index);
    else groups.set(item.batched.change, [index]);
  });
  return groups;
}

/** Runs the changes of a batch: each batched change once for all its inputs, then the single ones in order; one result per item. */
async function runChanges(locked: SqlQueries, items: Pending[]): Promise<unknown[]> {
  const results: unknown[] = new Array(items.length);
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw isDependencyUnavailable(error) ? error : new ChangeFailed(error);
    }
  };
  for (const [change, indexes] of batchedGroups(items)) {
    const inputs = indexes.map((index) => items[index]!.batched!.input);
    const { text, params } = change.statement(inputs);
    const out = change.results(await guarded(() => locked.query(text, params)), inputs);
    indexes.forEach((index, position) => (results[index] = out[position]));
  }
  for (const [index, item] of items.entries()) if (item.change) results[index] = await guarded(() => item.change!(locked));
  return results;
}
