/**
 * /api/dedup: the dedup store over REST. Queries are read-only (viewer); starting an ingest
 * (operator) answers 202 and runs in the background, polled through its snapshot; verify
 * (operator), delete and gc (admin) run to completion.
 */
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { Registry } from 'prom-client';
import { ConflictError, UnavailableError } from '../../errors.js';
import { runDedupQuery, type DedupQueryInput } from './dedup-query.js';
import { createDedupMetrics, recordIngest } from './dedup-metrics.js';
import { dedupIngestSchema, snapshotNameSchema } from './dedup-schemas.js';
import { assertAllowedRoot, validateSnapshotName, type DedupSettings } from './dedup-settings.js';
import { collectGarbage } from './garbage-collector.js';
import { ingestTree, resolveRoot } from './ingest.js';
import { deleteSnapshot, requireSnapshot } from './metadata-store.js';
import { verifyStore } from './verify.js';
import type { CoreServices } from '../../core/core-services.js';
import type { RouteRegistrar } from '../../core/route-declarations.js';

const json = z.record(z.string(), z.unknown());
const limit = z.coerce.number().int().min(1).max(200).optional();
const snapshotParams = z.object({ name: snapshotNameSchema });

/** Registers the dedup routes; without settings every route answers 503. */
export function dedupRoutes(
  routes: RouteRegistrar,
  { database }: Pick<CoreServices, 'database'>,
  options: { settings: DedupSettings | null; registry: Registry; logger: Logger },
): void {
  const tag = 'Dedup';
  const metrics = createDedupMetrics(options.registry);
  const running = new Set<string>();
  const settings = (): DedupSettings => {
    if (!options.settings) throw new UnavailableError('dedup_unavailable', 'the dedup store is not configured (DEDUP_DIR or DATA_DIR)');
    return options.settings;
  };
  const query = async (input: Partial<DedupQueryInput> & { query: DedupQueryInput['query'] }) => {
    metrics.queries.inc({ query: input.query });
    return runDedupQuery(database.sql, settings().storeDirectory, input as DedupQueryInput);
  };

  routes.add({
    method: 'get',
    path: '/dedup/stats',
    tag,
    summary: 'Totals and ratios (whole store, or one snapshot)',
    query: z.object({ snapshot: snapshotNameSchema.optional() }),
    success: { status: 200, description: 'Files, bytes, atoms, dedup and compression ratios, mean reuse', schema: json },
    handler: ({ query: input }) => query({ query: 'stats', snapshot: input.snapshot }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/snapshots',
    tag,
    summary: 'Snapshots, newest first',
    success: { status: 200, description: 'Snapshots', schema: z.array(json) },
    handler: () => query({ query: 'snapshots' }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/snapshots/:name',
    tag,
    summary: 'One snapshot with its ingest report (poll it after starting an ingest)',
    params: snapshotParams,
    success: { status: 200, description: 'The snapshot', schema: json },
    handler: async ({ params }) => ({
      ...(await requireSnapshot(database.sql, validateSnapshotName(params.name))),
      ingesting: running.has(params.name),
    }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/top',
    tag,
    summary: 'Most reused atoms with the files that hold them',
    query: z.object({ snapshot: snapshotNameSchema.optional(), limit, by: z.enum(['references', 'bytes']).optional() }),
    success: { status: 200, description: 'Atoms', schema: z.array(json) },
    handler: ({ query: input }) => query({ query: 'top', ...input }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/similar',
    tag,
    summary: 'Files sharing the most content with a file',
    query: z.object({ path: z.string().trim().min(1).max(4096), snapshot: snapshotNameSchema.optional(), limit }),
    success: { status: 200, description: 'Similar files', schema: json },
    errors: [404],
    handler: ({ query: input }) => query({ query: 'similar', ...input }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/breakdown',
    tag,
    summary: 'Files, bytes and unique bytes per directory or file type',
    query: z.object({
      by: z.enum(['directory', 'type']).default('directory'),
      depth: z.coerce.number().int().min(1).max(32).optional(),
      snapshot: snapshotNameSchema.optional(),
      limit,
    }),
    success: { status: 200, description: 'Breakdown rows', schema: json },
    handler: ({ query: input }) => query({ query: 'breakdown', ...input }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/diff',
    tag,
    summary: 'Added, removed and changed files between two snapshots',
    query: z.object({ from: snapshotNameSchema, to: snapshotNameSchema, limit }),
    success: { status: 200, description: 'The diff', schema: json },
    errors: [404],
    handler: ({ query: input }) => query({ query: 'diff', ...input }),
  });
  routes.add({
    method: 'get',
    path: '/dedup/atoms/:hash',
    tag,
    summary: 'What an atom is: size, reuse, holders, a safe preview',
    params: z.object({ hash: z.string().regex(/^[0-9a-fA-F]{8,64}$/, '8 to 64 hexadecimal digits') }),
    success: { status: 200, description: 'The atom', schema: json },
    handler: ({ params }) => query({ query: 'atom', atom: params.hash }),
  });
  routes.add({
    method: 'post',
    path: '/dedup/ingests',
    tag,
    summary: 'Start an ingest of a server directory (operator); poll /dedup/snapshots/{name}',
    minRole: 'operator',
    body: dedupIngestSchema,
    success: { status: 202, description: 'Ingest started', schema: json },
    errors: [403, 409, 503],
    handler: async ({ body, request }) => {
      const active = settings();
      assertAllowedRoot(active, body.path);
      const root = await resolveRoot(body.path);
      assertAllowedRoot(active, root); // again after resolving links
      const name = validateSnapshotName(
        body.snapshot ?? `${root.split('/').pop() || 'root'}-${Date.now()}`.replace(/[^A-Za-z0-9._-]/g, '_'),
      );
      if (running.has(name)) throw new ConflictError(`an ingest of snapshot ${name} is already running`);
      running.add(name);
      const log = options.logger.child({ requestId: request.requestId, snapshot: name });
      void ingestTree(database, active, { root, snapshot: name, full: body.full })
        .then((report) => {
          recordIngest(metrics, report);
          log.info({ files: report.files, bytesRead: report.bytesRead, seconds: report.seconds }, 'dedup ingest complete');
        })
        .catch((error: unknown) => {
          metrics.ingestRuns.inc({ status: 'failed' });
          log.error({ err: error }, 'dedup ingest failed; the snapshot stays resumable');
        })
        .finally(() => running.delete(name));
      return { snapshot: name, root, status: 'running' };
    },
  });
  routes.add({
    method: 'post',
    path: '/dedup/verify',
    tag,
    summary: 'Re-hash atoms and files and report corruption (operator)',
    minRole: 'operator',
    body: z.object({ snapshot: snapshotNameSchema.optional() }).strict(),
    success: { status: 200, description: 'Verify report', schema: json },
    errors: [404, 503],
    handler: ({ body }) => verifyStore(database, settings(), { snapshot: body.snapshot }),
  });
  routes.add({
    method: 'delete',
    path: '/dedup/snapshots/:name',
    tag,
    summary: 'Delete a snapshot or roll back an interrupted ingest (admin)',
    minRole: 'admin',
    params: snapshotParams,
    success: { status: 200, description: 'Deleted', schema: json },
    errors: [409],
    handler: async ({ params }) => {
      if (running.has(params.name)) throw new ConflictError(`snapshot ${params.name} is being ingested`);
      return deleteSnapshot(database.sql, validateSnapshotName(params.name));
    },
  });
  routes.add({
    method: 'post',
    path: '/dedup/gc',
    tag,
    summary: 'Remove atoms no snapshot references (admin)',
    minRole: 'admin',
    body: z.object({ dryRun: z.boolean().optional() }).strict(),
    success: { status: 200, description: 'What was removed', schema: json },
    errors: [409, 503],
    handler: ({ body }) => collectGarbage(database, settings(), { dryRun: body.dryRun }),
  });
}
