/**
 * Stored analysis reports and the comparison "compare with yesterday": a report is
 * compared with the latest earlier report on the same targets taken at least 12 hours
 * before it (or, failing that, the previous one), metric by metric and finding by finding.
 */
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { ToolChannel } from '../tool-contract.js';
import type { Finding, TargetMeasurements } from './analysis-report.js';
import type { AnalysisReport } from './network-analyzer.js';

/** A change between two reports. */
export interface ReportChange {
  target: string;
  metric: string;
  before: number | string | null;
  after: number | string | null;
}

/** The answer to "compare with yesterday". */
export interface ReportComparison {
  current: AnalysisReport;
  baseline: AnalysisReport | null;
  changes: ReportChange[];
  newFindings: Finding[];
  resolvedFindings: Finding[];
}

const BASELINE_AGE_MS = 12 * 3_600_000;

/** Stable key for "the same targets". */
export function targetKey(targets: string[]): string {
  return [...new Set(targets.map((target) => target.toLowerCase()))].sort().join(',').slice(0, 2000);
}

function metricsOf(measurement: TargetMeasurements): Record<string, number | string | null> {
  const values: Record<string, number | string | null> = {};
  if (measurement.ping) {
    values['lossPercent'] = measurement.ping.lossPercent;
    values['latencyAvgMs'] = measurement.ping.rttMs?.avg ?? null;
    values['jitterMs'] = measurement.ping.rttMs?.jitter ?? null;
  }
  for (const port of measurement.tcp ?? []) values[`port ${port.port}`] = port.state;
  if (measurement.http) values['httpStatus'] = measurement.http.status;
  if (measurement.path) {
    values['hops'] = measurement.path.hops.length;
    values['pathMtu'] = measurement.path.pathMtu;
  }
  return values;
}

function significant(before: number | string | null, after: number | string | null, metric: string): boolean {
  if (typeof before === 'number' && typeof after === 'number') {
    const tolerance = metric === 'lossPercent' ? 1 : Math.max(1, Math.abs(before) * 0.2);
    return Math.abs(after - before) >= tolerance;
  }
  return before !== after;
}

/** Diffs two reports. */
export function compareReports(current: AnalysisReport, baseline: AnalysisReport | null): ReportComparison {
  if (!baseline) return { current, baseline, changes: [], newFindings: [], resolvedFindings: [] };
  const previous = new Map(baseline.measurements.map((measurement) => [measurement.target, metricsOf(measurement)]));
  const changes: ReportChange[] = [];
  for (const measurement of current.measurements) {
    const after = metricsOf(measurement);
    const before = previous.get(measurement.target) ?? {};
    for (const metric of new Set([...Object.keys(after), ...Object.keys(before)])) {
      const [old, now] = [before[metric] ?? null, after[metric] ?? null];
      if (significant(old, now, metric)) changes.push({ target: measurement.target, metric, before: old, after: now });
    }
  }
  const key = (finding: Finding) => `${finding.severity}|${finding.target}|${finding.check}|${finding.title}`;
  const problems = (report: AnalysisReport) => report.findings.filter((finding) => finding.severity !== 'ok');
  const beforeKeys = new Set(problems(baseline).map(key));
  const afterKeys = new Set(problems(current).map(key));
  return {
    current,
    baseline,
    changes,
    newFindings: problems(current).filter((finding) => !beforeKeys.has(key(finding))),
    resolvedFindings: problems(baseline).filter((finding) => !afterKeys.has(key(finding))),
  };
}

type Row = Awaited<ReturnType<PrismaClient['networkReport']['findFirstOrThrow']>>;

function fromRow(row: Row): AnalysisReport {
  const measurements = row.measurements as unknown as { targets: TargetMeasurements[]; peakConcurrency?: number; timedOut?: boolean };
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    targets: row.targets as string[],
    checks: row.checks as string[],
    worstSeverity: row.worstSeverity as AnalysisReport['worstSeverity'],
    summary: row.summary,
    findings: row.findings as unknown as Finding[],
    measurements: measurements.targets,
    durationMs: row.durationMs,
    peakConcurrency: measurements.peakConcurrency ?? 0,
    timedOut: measurements.timedOut ?? false,
  };
}

/** Saves, reads and compares reports. */
export class ReportStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Stores a finished report and returns it with its id. */
  async save(report: AnalysisReport, owner: { userId: string | null; channel: ToolChannel }): Promise<AnalysisReport> {
    const row = await this.prisma.networkReport.create({
      data: {
        userId: owner.userId && /^[0-9a-f-]{36}$/i.test(owner.userId) ? owner.userId : null,
        channel: owner.channel,
        targetKey: targetKey(report.targets),
        targets: report.targets,
        checks: report.checks,
        worstSeverity: report.worstSeverity,
        summary: report.summary,
        findings: JSON.parse(JSON.stringify(report.findings)),
        measurements: JSON.parse(
          JSON.stringify({ targets: report.measurements, peakConcurrency: report.peakConcurrency, timedOut: report.timedOut }),
        ),
        durationMs: report.durationMs,
        createdAt: new Date(report.createdAt),
      },
    });
    return { ...report, id: row.id };
  }

  /** One report, or null. */
  async get(id: string): Promise<AnalysisReport | null> {
    const row = await this.prisma.networkReport.findUnique({ where: { id } });
    return row ? fromRow(row) : null;
  }

  /** Latest reports, optionally for one target set. */
  async list(options: { limit: number; targets?: string[] }): Promise<AnalysisReport[]> {
    const rows = await this.prisma.networkReport.findMany({
      where: options.targets ? { targetKey: targetKey(options.targets) } : {},
      orderBy: { createdAt: 'desc' },
      take: options.limit,
    });
    return rows.map(fromRow);
  }

  /** Compares a report with `withId`, or with the same targets' report from about a day before. */
  async compare(id: string, withId?: string): Promise<ReportComparison | null> {
    const current = await this.get(id);
    if (!current) return null;
    if (withId) return compareReports(current, await this.get(withId));
    const created = new Date(current.createdAt);
    const key = targetKey(current.targets);
    const older =
      (await this.prisma.networkReport.findFirst({
        where: { targetKey: key, createdAt: { lte: new Date(created.getTime() - BASELINE_AGE_MS) } },
        orderBy: { createdAt: 'desc' },
      })) ??
      (await this.prisma.networkReport.findFirst({
        where: { targetKey: key, createdAt: { lt: created }, NOT: { id } },
        orderBy: { createdAt: 'desc' },
      }));
    return compareReports(current, older ? fromRow(older) : null);
  }
}
