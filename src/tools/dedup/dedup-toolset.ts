/**
 * The dedup toolset: `dedup_query` (read-only answers about the store) and `dedup_ingest`
 * (a mutating ingest that needs approval and streams its progress to the conversation).
 */
import fs from 'node:fs/promises';
import { AppError } from '../../errors.js';
import type { ToolsetDependencies } from '../toolset-dependencies.js';
import { defineTool, type ToolResult, type Toolset } from '../tool-contract.js';
import { runDedupQuery } from './dedup-query.js';
import { dedupIngestSchema, dedupQuerySchema } from './dedup-schemas.js';
import { dedupIngestPreview, dedupIngestView, dedupQueryView } from './dedup-views.js';
import { assertAllowedRoot, dedupSettingsFromConfig, type DedupSettings } from './dedup-settings.js';
import { ingestTree, resolveRoot } from './ingest.js';
import { dedupQueryOutput, dedupIngestOutput } from './dedup-output-schemas.js';

const INSTRUCTIONS =
  'For storage questions (how much is duplicated, which files share content, what changed between snapshots, is a backup intact) use dedup_query: ' +
  'query=stats for totals and ratios, top for the most reused atoms, similar with a file path, breakdown by directory or type, diff with two snapshots, atom with an id. ' +
  'dedup_ingest snapshots a directory into the store (needs approval).';

async function asToolResult<T>(work: () => Promise<T>): Promise<ToolResult<T>> {
  try {
    const data = await work();
    if (Array.isArray(data) && data.length === 0) return { status: 'no_data', data, message: 'nothing matched' };
    return { status: 'success', data };
  } catch (error) {
    if (error instanceof AppError) return { status: 'error', error: { code: error.code, message: error.message } };
    throw error;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Builds the dedup toolset; `settings` overrides configuration (tests). */
export function dedupToolset(dependencies: Pick<ToolsetDependencies, 'config' | 'database'>, settings?: DedupSettings): Toolset {
  const resolved = settings ?? dedupSettingsFromConfig(dependencies.config);
  const { database } = dependencies;
  const requireSettings = (): DedupSettings => {
    if (!resolved) throw new AppError('unavailable', 503, 'the dedup store is not configured (set DEDUP_DIR or DATA_DIR)');
    return resolved;
  };
  return {
    name: 'dedup',
    description: 'Content-defined dedup store: ingest directories, then ask about duplication, reuse, similar files and snapshot diffs.',
    instructions: INSTRUCTIONS,
    async checkPrerequisites() {
      if (!resolved) return { ok: false, detail: 'no DEDUP_DIR or DATA_DIR' };
      try {
        await fs.mkdir(resolved.storeDirectory, { recursive: true });
        await fs.access(resolved.storeDirectory, fs.constants.W_OK);
        return { ok: true, detail: resolved.storeDirectory };
      } catch (error) {
        return { ok: false, detail: `${resolved.storeDirectory}: ${(error as Error).message}` };
      }
    },
    tools: [
      defineTool({
        name: 'dedup_query',
        description:
          'Answers questions about the dedup store: stats (files, bytes, atoms, dedup and compression ratios, mean reuse), snapshots, top reused atoms with their files, ' +
          'files similar to a file, breakdown by directory or file type, diff between two snapshots, and what an atom is (with a safe preview).',
        inputSchema: dedupQuerySchema,
        outputSchema: dedupQueryOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 60_000,
        aliases: ['dedup', 'dedup query'],
        positional: ['query', 'subject', 'other'],
        examples: [
          'dedup stats',
          'dedup top limit=5',
          'dedup similar lib/index.js',
          'dedup breakdown type',
          'dedup diff monday tuesday',
          'dedup atom 3fa4c1d2',
        ],
        view: (input, result, i18n) => dedupQueryView(input, result, i18n),
        execute: (input) => asToolResult(() => runDedupQuery(database.sql, requireSettings().storeDirectory, input)),
      }),
      defineTool({
        name: 'dedup_ingest',
        description:
          'Snapshots a directory of the Vigie host into the dedup store (content-defined chunks, unchanged files skipped); reports files, bytes, new atoms and speed.',
        inputSchema: dedupIngestSchema,
        outputSchema: dedupIngestOutput,
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 30 * 60_000,
        aliases: ['dedup ingest'],
        positional: ['path', 'snapshot'],
        examples: ['dedup ingest /srv/backups/2026-11-22 snapshot=nightly-22'],
        view: (_input, result, i18n) => dedupIngestView(result, i18n),
        preview: async (input, context) => dedupIngestPreview(input, context.i18n),
        execute: (input, context) =>
          asToolResult(async () => {
            const active = requireSettings();
            assertAllowedRoot(active, input.path);
            const root = await resolveRoot(input.path);
            assertAllowedRoot(active, root); // again after resolving links
            const report = await ingestTree(database, active, {
              root,
              snapshot: input.snapshot,
              full: input.full,
              signal: context.signal,
              onProgress: (progress) =>
                context.reportProgress?.({
                  message: `${progress.snapshot}: ${progress.filesDone}/${progress.filesSeen} files, ${megabytes(progress.bytesDone)} (${(progress.bytesRead / 1e6 / Math.max(progress.elapsedSeconds, 0.001)).toFixed(0)} MB/s read)`,
                  fraction: progress.filesSeen > 0 ? progress.filesDone / progress.filesSeen : undefined,
                }),
            });
            return { ...report, problems: report.problems.slice(0, 20) };
          }),
      }),
    ],
  };
}
