/**
 * zod input schemas shared by the `dedup_*` tools and the REST routes, so chat, the command
 * router and HTTP accept exactly the same words and bounds.
 */
import { z } from 'zod';

const QUERY_SYNONYMS: Record<string, string> = {
  totals: 'stats',
  stat: 'stats',
  statistics: 'stats',
  'top-atoms': 'top',
  atoms: 'top',
  reused: 'top',
  'similar-files': 'similar',
  like: 'similar',
  'diff-snapshots': 'diff',
  compare: 'diff',
  directories: 'breakdown',
  dirs: 'breakdown',
  types: 'breakdown',
  list: 'snapshots',
};

/** The questions `dedup_query` answers. */
export const QUERY_KINDS = ['stats', 'snapshots', 'top', 'similar', 'breakdown', 'diff', 'atom'] as const;

/** The query kind a word names (synonyms included), or undefined. No transform in the schema: model-facing schemas must convert to JSON Schema. */
export function canonicalQueryKind(value: string): (typeof QUERY_KINDS)[number] | undefined {
  const word = value.trim().toLowerCase();
  const kind = QUERY_SYNONYMS[word] ?? word;
  return (QUERY_KINDS as readonly string[]).includes(kind) ? (kind as (typeof QUERY_KINDS)[number]) : undefined;
}

/** A snapshot name as users type it. */
export const snapshotNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");

/** `dedup_query` input: a query kind plus the arguments it needs (positional `subject`/`other`). */
export const dedupQuerySchema = z
  .object({
    query: z
      .string()
      .trim()
      .toLowerCase()
      .refine((value) => canonicalQueryKind(value) !== undefined, `one of ${QUERY_KINDS.join(', ')}`)
      .default('stats')
      .describe('stats | snapshots | top | similar | breakdown | diff | atom'),
    subject: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .optional()
      .describe('file path (similar), first snapshot (diff), atom id (atom), directory|type (breakdown)'),
    other: z.string().trim().min(1).max(100).optional().describe('second snapshot (diff)'),
    snapshot: snapshotNameSchema.optional().describe('snapshot to look at; the newest complete one by default'),
    path: z.string().trim().min(1).max(4096).optional(),
    from: snapshotNameSchema.optional(),
    to: snapshotNameSchema.optional(),
    atom: z.string().trim().min(8).max(64).optional(),
    by: z.enum(['directory', 'type', 'references', 'bytes']).optional(),
    depth: z.coerce.number().int().min(1).max(32).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();

/** `dedup_ingest` input. */
export const dedupIngestSchema = z
  .object({
    path: z.string().trim().min(1).max(4096).describe('absolute directory to ingest on the Vigie host'),
    snapshot: snapshotNameSchema.optional().describe('snapshot name; re-using an interrupted one resumes it'),
    full: z.boolean().optional().describe('re-read every file even when unchanged'),
  })
  .strict();
