/**
 * Output schemas of the dedup tools: the `data` of a success. dedup_query answers in the
 * shape of its query (a list for top/similar/breakdown, an object for stats/diff/atom).
 */
import { z } from 'zod';

/** dedup_query: a list of rows, or one object (the engine's answers are not typed further). */
export const dedupQueryOutput = z
  .unknown()
  .refine((value) => Array.isArray(value) || (typeof value === 'object' && value !== null), 'a list or an object');

/** dedup_ingest: the snapshot written and what it held. */
export const dedupIngestOutput = z.object({ snapshot: z.string(), files: z.number() });
