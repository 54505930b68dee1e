/**
 * The two things our own code needs below Prisma: scripts (migrations) and parameterised
 * queries, optionally inside a transaction that holds an advisory lock so concurrent nodes
 * serialise. PostgreSQL (pg) and PGlite both implement it; Prisma goes through its adapters.
 */
export interface SqlQueries {
  /** Runs one or more statements with no parameters (simple query protocol). */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised statement and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Like `query`, for a hot statement whose text comes from a small set of shapes: the
   * backend may keep it prepared (PostgreSQL: a named statement per connection, so after a
   * few runs its plan is reused instead of re-planned). Absent where there is no gain.
   */
  queryPrepared?<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** Queries plus transactions. */
export interface SqlRunner extends SqlQueries {
  /** Runs `work` in one transaction, holding `pg_advisory_xact_lock(lockKey)` when given. */
  transaction<T>(work: (tx: SqlQueries) => Promise<T>, lockKey?: number): Promise<T>;
  /**
   * Runs `statements` (no parameters) in ONE round trip (simple protocol): one implicit
   * transaction (all commit or none), holding `pg_advisory_xact_lock(lockKey)` from before the
   * first; each statement reads with its own snapshot. One row list per statement. Absent
   * where a round trip costs nothing (PGlite): callers then use `transaction`.
   */
  script?(statements: string[], lockKey: number): Promise<unknown[][]>;
}

/**
 * Prisma's interactive-transaction limits. Its defaults (2 s to get a connection, 5 s to
 * finish) fail requests on a busy node whose pool is momentarily exhausted; these wait longer.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;
