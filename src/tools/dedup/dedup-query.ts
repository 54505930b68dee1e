/**
 * One entry point for every dedup question, so the tool, REST and CLI route a query kind to
 * the same engine function with the same argument rules.
 */
import type { z } from 'zod';
import type { SqlQueries } from '../../db/sql-runner.js';
import { ValidationError } from '../../errors.js';
import { atomInfo } from './atom-info.js';
import { canonicalQueryKind, type dedupQuerySchema } from './dedup-schemas.js';
import { listSnapshots } from './metadata-store.js';
import { breakdown, dedupStats, diffSnapshots, similarFiles, topAtoms } from './queries.js';

/** Parsed `dedup_query` input. */
export type DedupQueryInput = z.output<typeof dedupQuerySchema>;

/** Answers one query. */
export async function runDedupQuery(sql: SqlQueries, storeDirectory: string, input: DedupQueryInput): Promise<unknown> {
  switch (canonicalQueryKind(input.query)) {
    case 'stats':
      return dedupStats(sql, input.snapshot ?? input.subject);
    case 'snapshots':
      return (await listSnapshots(sql)).map(({ report: _report, ...snapshot }) => snapshot);
    case 'top':
      return topAtoms(sql, { snapshot: input.snapshot, limit: input.limit, by: input.by === 'bytes' ? 'bytes' : 'references' });
    case 'similar': {
      const path = input.path ?? input.subject;
      if (!path) throw new ValidationError('similar needs a file path, e.g. `dedup similar lib/index.js`');
      return similarFiles(sql, { path, snapshot: input.snapshot, limit: input.limit });
    }
    case 'breakdown': {
      const by = input.by ?? input.subject ?? 'directory';
      if (by !== 'directory' && by !== 'type') throw new ValidationError('breakdown is by directory or by type');
      return breakdown(sql, { by, snapshot: input.snapshot, depth: input.depth, limit: input.limit });
    }
    case 'diff': {
      const from = input.from ?? input.subject;
      const to = input.to ?? input.other;
      if (!from || !to) throw new ValidationError('diff needs two snapshots, e.g. `dedup diff monday tuesday`');
      return diffSnapshots(sql, { from, to, limit: input.limit });
    }
    case 'atom': {
      const id = input.atom ?? input.subject;
      if (!id) throw new ValidationError('atom needs an atom id (8 to 64 hex digits)');
      return atomInfo(sql, storeDirectory, id);
    }
    default:
      throw new ValidationError(`Unknown dedup query "${input.query.slice(0, 40)}"`);
  }
}
