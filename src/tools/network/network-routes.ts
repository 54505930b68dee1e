/**
 * /api/network-analysis: the NMS endpoint kept (POST {targets, checks, options} runs an
 * analysis and stores its report), plus stored reports and "compare with yesterday".
 * Every run and every refusal is written to the audit log.
 */
import { z } from 'zod';
import { idParams } from '../../contracts/common-schemas.js';
import type { CoreServices } from '../../core/core-services.js';
import type { RouteRegistrar } from '../../core/route-declarations.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { NetworkAnalyzer } from './network-analyzer.js';
import { analysisRequestSchema, targetsSchema } from './network-schemas.js';
import { ReportStore } from './report-store.js';

const findingSchema = z.object({
  severity: z.enum(['critical', 'warning', 'info', 'ok']),
  target: z.string(),
  check: z.string(),
  code: z
    .string()
    .optional()
    .meta({ description: 'Stable kind of finding (tcp.closed, snmp.saturated…); absent on reports stored before codes' }),
  params: z
    .record(z.string(), z.union([z.string(), z.number(), z.null()]))
    .optional()
    .meta({ description: 'Raw values of the finding (numbers unformatted, targets, ports)' }),
  title: z.string(),
  evidence: z.string(),
  recommendation: z.string(),
});

const reportSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    targets: z.array(z.string()),
    checks: z.array(z.string()),
    worstSeverity: z.enum(['critical', 'warning', 'info', 'ok']),
    summary: z.string(),
    findings: z.array(findingSchema),
    measurements: z
      .array(z.record(z.string(), z.unknown()))
      .meta({ description: 'Raw measurements per target (ping, tcp, dns, http, path)' }),
    durationMs: z.number(),
    peakConcurrency: z.number(),
    timedOut: z.boolean(),
  })
  .meta({ id: 'NetworkReport' });

const comparisonSchema = z
  .object({
    current: reportSchema,
    baseline: reportSchema.nullable(),
    changes: z.array(z.object({ target: z.string(), metric: z.string(), before: z.unknown(), after: z.unknown() })),
    newFindings: z.array(findingSchema),
    resolvedFindings: z.array(findingSchema),
  })
  .meta({ id: 'NetworkComparison' });

/**
 * Registers the network analysis routes. `analyzer` is the network module's one analyzer, the
 * same the net_* tools use: one per-user rate limit and one vigie_network_runs_total for REST,
 * /api/commands and every chat channel.
 */
export function networkRoutes(
  routes: RouteRegistrar,
  { database, audit }: Pick<CoreServices, 'database' | 'audit'>,
  analyzer: NetworkAnalyzer,
): void {
  const store = new ReportStore(database.prisma);

  routes.add({
    method: 'post',
    path: '/network-analysis',
    tag: 'Network',
    summary: 'Run a network analysis (reachability, latency, loss, ports, DNS, HTTP, path)',
    description: 'Targets must be inside NET_ALLOWED_TARGETS; bounds and a per-user rate limit apply. The report is stored.',
    minRole: 'operator',
    body: analysisRequestSchema,
    errors: [403],
    success: { status: 201, description: 'The stored report', schema: reportSchema },
    handler: async ({ body, principal, request }) => {
      const base = {
        actorId: principal.userId,
        actorName: principal.userName,
        channel: 'api' as const,
        tool: 'network_analysis',
        arguments: body,
        traceId: request.requestId ?? null,
      };
      try {
        const report = await store.save(await analyzer.analyze(body, { userId: principal.userId }), {
          userId: principal.userId,
          channel: 'api',
        });
        await audit.append({
          ...base,
          action: 'network.analysis',
          status: 'success',
          durationMs: report.durationMs,
          details: { reportId: report.id, worstSeverity: report.worstSeverity },
        });
        return report;
      } catch (error) {
        if (error instanceof AppError)
          await audit.append({
            ...base,
            action: 'network.analysis',
            status: 'refused',
            details: { code: error.code, message: error.message },
          });
        throw error;
      }
    },
  });

  routes.add({
    method: 'get',
    path: '/network-analysis',
    tag: 'Network',
    summary: 'Latest stored network reports',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      targets: targetsSchema.optional().meta({ description: 'Only reports on exactly these targets (comma-separated)' }),
    }),
    success: { status: 200, description: 'Reports, newest first', schema: z.object({ data: z.array(reportSchema) }) },
    handler: async ({ query }) => ({ data: await store.list({ limit: query.limit, targets: query.targets }) }),
  });

  routes.add({
    method: 'get',
    path: '/network-analysis/:id',
    tag: 'Network',
    summary: 'One stored network report',
    params: idParams,
    success: { status: 200, description: 'The report', schema: reportSchema },
    handler: async ({ params }) => {
      const report = await store.get(params.id);
      if (!report) throw new NotFoundError('Network report');
      return report;
    },
  });

  routes.add({
    method: 'get',
    path: '/network-analysis/:id/compare',
    tag: 'Network',
    summary: 'Compare a report with an earlier one (default: same targets, about a day before)',
    params: idParams,
    query: z.object({
      with: z
        .uuid()
        .optional()
        .meta({ description: 'Report to compare with; default: the same targets 12 h or more before, else the previous run' }),
    }),
    success: { status: 200, description: 'Changes, new and resolved findings', schema: comparisonSchema },
    handler: async ({ params, query }) => {
      const comparison = await store.compare(params.id, query.with);
      if (!comparison) throw new NotFoundError('Network report');
      return comparison;
    },
  });
}
