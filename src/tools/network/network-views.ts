/**
 * Result views of the network tools: a net_check/net_path report as a targets table
 * (address, loss, latency, jitter, ports), a latency chart per probe, the findings and the
 * path's hops; net_interfaces as interface and route tables; net_snmp_poll as per-interface
 * rates and errors with a utilisation bar chart. Findings and the headline are written from
 * their codes in the reader's language (finding-text.ts). The data is the tool's own (typed),
 * but read defensively: a view builder must never throw on a partial report.
 */
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView, Tone, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { genericResultView } from '../pipeline/result-views.js';
import { asArray, english, formatBitRate, formatBytes, formatMs, formatNumber, formatPercent, severityTone, view } from '../view-format.js';
import type { Finding, TargetMeasurements } from './analysis-report.js';
import { describeFinding, isFindingCode } from './finding-text.js';
import type { InterfaceInventory } from './interface-inventory.js';
import type { SnmpAnalysis } from './snmp-monitor.js';

const MAX_CHART_TARGETS = 6;

function worstTone(findings: Finding[]): Tone {
  if (findings.some((finding) => finding.severity === 'critical')) return 'critical';
  if (findings.some((finding) => finding.severity === 'warning')) return 'warning';
  return 'ok';
}

function countBadges(findings: Finding[], i18n: Translator): ViewBlock | null {
  const counts = { critical: 0, warning: 0, ok: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  const badges = (['critical', 'warning', 'info', 'ok'] as const)
    .filter((severity) => counts[severity] > 0)
    .map((severity) => ({ label: i18n.t(`view.severity.${severity}`, { count: counts[severity] }), tone: severityTone(severity) }));
  return badges.length ? { type: 'badges', badges } : null;
}

/** A word of the catalog under `prefix`, or the value itself when the catalog has none (data). */
function known(i18n: Translator, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  const text = /^[a-z_]{1,30}$/.test(value) ? i18n.t(key) : key;
  return text === key ? value : text;
}

function portsText(measurement: TargetMeasurements, i18n: Translator): string {
  const tcp = measurement.tcp ?? [];
  if (tcp.length === 0) return '—';
  return tcp.map((port) => `${port.port} ${known(i18n, 'view.network.portState', String(port.state))}`).join(', ');
}

function targetTone(measurement: TargetMeasurements): Tone {
  const ping = measurement.ping;
  if (ping && ping.received === 0) return 'critical';
  if ((ping && ping.lossPercent >= 2) || (measurement.tcp ?? []).some((port) => port.state !== 'open')) return 'warning';
  return ping || measurement.tcp?.length ? 'ok' : 'neutral';
}

/** The targets table of a report. */
function targetsTable(measurements: TargetMeasurements[], i18n: Translator): ViewBlock {
  return {
    type: 'table',
    title: i18n.t('view.network.targets'),
    columns: [
      { key: 'target', label: i18n.t('view.network.target') },
      { key: 'address', label: i18n.t('view.network.address') },
      { key: 'loss', label: i18n.t('view.network.loss'), align: 'right' },
      { key: 'latency', label: i18n.t('view.network.latencyAvg'), align: 'right' },
      { key: 'jitter', label: i18n.t('view.network.jitter'), align: 'right' },
      { key: 'ports', label: i18n.t('view.network.ports') },
    ],
    rows: measurements.map((measurement) => ({
      target: measurement.target,
      address: measurement.address,
      loss: measurement.ping ? `${formatNumber(measurement.ping.lossPercent, i18n)} %` : '—',
      latency: formatMs(measurement.ping?.rttMs?.avg, i18n),
      jitter: formatMs(measurement.ping?.rttMs?.jitter, i18n),
      ports: portsText(measurement, i18n),
    })),
    rowTones: measurements.map(targetTone),
  };
}

/** Round-trip time of each probe, one series per target (lost probes are gaps). */
function latencyChart(measurements: TargetMeasurements[], i18n: Translator): ViewBlock | null {
  const pinged = measurements.filter((measurement) => (measurement.ping?.samplesMs.length ?? 0) > 0).slice(0, MAX_CHART_TARGETS);
  if (pinged.length === 0) return null;
  const length = Math.max(...pinged.map((measurement) => measurement.ping!.samplesMs.length));
  return {
    type: 'chart',
    title: i18n.t('view.network.latencyPerProbe'),
    kind: 'line',
    unit: 'ms',
    labels: Array.from({ length }, (_, index) => String(index + 1)),
    series: pinged.map((measurement) => ({
      name: measurement.target,
      points: Array.from({ length }, (_, index) => measurement.ping!.samplesMs[index] ?? null),
    })),
  };
}

function findingsTable(findings: Finding[], i18n: Translator): ViewBlock | null {
  const notable = findings.filter((finding) => finding.severity !== 'ok');
  if (notable.length === 0) return null;
  return {
    type: 'table',
    title: i18n.t('view.network.findings'),
    columns: [
      { key: 'severity', label: i18n.t('view.network.severity') },
      { key: 'title', label: i18n.t('view.network.finding') },
      { key: 'evidence', label: i18n.t('view.network.evidence') },
      { key: 'recommendation', label: i18n.t('view.network.whatToDo') },
    ],
    rows: notable.map((finding) => ({
      severity: known(i18n, 'view.severity.name', String(finding.severity)),
      ...describeFinding(finding, i18n),
    })),
    rowTones: notable.map((finding) => severityTone(finding.severity)),
  };
}

function pathTable(measurements: TargetMeasurements[], i18n: Translator): ViewBlock | null {
  const traced = measurements.find((measurement) => measurement.path);
  if (!traced?.path) return null;
  return {
    type: 'table',
    title: traced.path.pathMtu
      ? i18n.t('view.network.pathToMtu', { target: traced.target, mtu: i18n.number(traced.path.pathMtu) })
      : i18n.t('view.network.pathTo', { target: traced.target }),
    columns: [
      { key: 'hop', label: i18n.t('view.network.hop'), align: 'right' },
      { key: 'address', label: i18n.t('view.network.address') },
      { key: 'latency', label: i18n.t('view.network.latency'), align: 'right' },
      { key: 'added', label: i18n.t('view.network.added'), align: 'right' },
    ],
    rows: traced.path.hops.map((hop) => ({
      hop: hop.hop,
      address: hop.address ?? '?',
      latency: formatMs(hop.latencyMs, i18n),
      added: formatMs(hop.addedMs, i18n),
    })),
    rowTones: traced.path.hops.map((hop) => (traced.path!.slowestHop?.hop === hop.hop && (hop.addedMs ?? 0) >= 10 ? 'warning' : 'neutral')),
  };
}

/**
 * The headline of a report in the reader's language: the counts and the worst news. A report
 * whose worst finding has no code (stored before codes existed) keeps its stored English summary.
 */
function reportHeadline(findings: Finding[], targetCount: number, storedSummary: unknown, i18n: Translator): string {
  const problems = findings.filter((finding) => finding.severity === 'critical' || finding.severity === 'warning');
  const worst = problems.find((finding) => finding.severity === 'critical') ?? problems[0];
  if (worst && !isFindingCode(worst.code) && typeof storedSummary === 'string') return storedSummary;
  if (!worst)
    return targetCount > 0
      ? i18n.t('view.network.summary.noProblem', { count: targetCount })
      : i18n.t('view.network.targetsChecked', { count: 0 });
  const critical = problems.filter((finding) => finding.severity === 'critical').length;
  const counts = [
    critical > 0 && i18n.t('view.severity.critical', { count: critical }),
    problems.length > critical && i18n.t('view.severity.warning', { count: problems.length - critical }),
  ].filter((part): part is string => Boolean(part));
  const { title, evidence } = describeFinding(worst, i18n);
  return i18n.t('view.network.summary.problems', { counts: i18n.list(counts), count: targetCount, title, evidence });
}

/** The view of a net_check or net_path result. */
export function networkReportView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as {
    summary?: string;
    findings?: Finding[];
    measurements?: TargetMeasurements[];
    durationMs?: number;
    reportId?: string;
  };
  const findings = asArray(data.findings) as Finding[];
  const measurements = asArray(data.measurements) as TargetMeasurements[];
  return view('network.check', reportHeadline(findings, measurements.length, data.summary, i18n), worstTone(findings), [
    countBadges(findings, i18n),
    targetsTable(measurements, i18n),
    latencyChart(measurements, i18n),
    findingsTable(findings, i18n),
    pathTable(measurements, i18n),
    {
      type: 'fields',
      fields: [
        { label: i18n.t('view.network.duration'), value: formatMs(data.durationMs, i18n) },
        ...(data.reportId ? [{ label: i18n.t('view.network.report'), value: data.reportId }] : []),
      ],
    },
  ]);
}

/** The view of a net_interfaces result. */
export function interfacesView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as InterfaceInventory;
  const interfaces = asArray(data.interfaces) as InterfaceInventory['interfaces'];
  const routes = asArray(data.routes) as InterfaceInventory['routes'];
  const down = interfaces.filter((entry) => entry.state !== 'UP' && entry.state !== 'UNKNOWN');
  const counted = `${i18n.t('view.network.interfaceCount', { count: interfaces.length })}, ${i18n.t('view.network.routeCount', { count: routes.length })}`;
  return view(
    'network.interfaces',
    down.length ? i18n.t('view.semicolon', { first: counted, second: i18n.t('view.network.notUp', { count: down.length }) }) : counted,
    down.length ? 'warning' : 'ok',
    [
      {
        type: 'table',
        title: i18n.t('view.network.interfaces'),
        columns: [
          { key: 'name', label: i18n.t('view.network.name') },
          { key: 'state', label: i18n.t('view.network.state') },
          { key: 'mtu', label: i18n.t('view.network.mtu'), align: 'right' },
          { key: 'addresses', label: i18n.t('view.network.addresses') },
          { key: 'traffic', label: i18n.t('view.network.traffic') },
          { key: 'errors', label: i18n.t('view.network.errorsRxTx'), align: 'right' },
          { key: 'drops', label: i18n.t('view.network.dropsRxTx'), align: 'right' },
        ],
        rows: interfaces.map((entry) => ({
          name: entry.name,
          state: entry.state,
          mtu: entry.mtu,
          addresses: entry.addresses.join(', ') || '—',
          traffic: entry.stats ? `${formatBytes(entry.stats.rxBytes, i18n)} / ${formatBytes(entry.stats.txBytes, i18n)}` : '—',
          errors: entry.stats ? `${formatNumber(entry.stats.rxErrors, i18n)} / ${formatNumber(entry.stats.txErrors, i18n)}` : '—',
          drops: entry.stats ? `${formatNumber(entry.stats.rxDropped, i18n)} / ${formatNumber(entry.stats.txDropped, i18n)}` : '—',
        })),
        rowTones: interfaces.map((entry) =>
          entry.stats && entry.stats.rxErrors + entry.stats.txErrors > 0 ? 'warning' : entry.state === 'UP' ? 'ok' : 'neutral',
        ),
      },
      routes.length > 0 && {
        type: 'table',
        title: i18n.t('view.network.routes'),
        columns: [
          { key: 'dst', label: i18n.t('view.network.destination') },
          { key: 'gateway', label: i18n.t('view.network.gateway') },
          { key: 'dev', label: i18n.t('view.network.device') },
          { key: 'prefsrc', label: i18n.t('view.network.source') },
        ],
        rows: routes.map((route) => ({
          dst: route.dst,
          gateway: route.gateway ?? '—',
          dev: route.dev ?? '—',
          prefsrc: route.prefsrc ?? '—',
        })),
      },
    ],
  );
}

/** The view of a net_snmp_poll result: interfaces with rates and errors, utilisation bars. */
export function snmpView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as SnmpAnalysis;
  const devices = asArray(data.devices) as SnmpAnalysis['devices'];
  const findings = asArray(data.findings) as Finding[];
  const rows = devices.flatMap((device) => device.rates.map((rate) => ({ device: device.address, rate })));
  const failed = devices.filter((device) => device.error);
  const headline = [
    i18n.t('view.network.devicesPolled', { count: devices.length }),
    i18n.t('view.network.interfaceCount', { count: rows.length }),
    failed.length ? i18n.t('view.network.unreachableCount', { count: failed.length }) : '',
    findings.length ? i18n.t('view.network.findingCount', { count: findings.length }) : '',
  ]
    .filter(Boolean)
    .join(', ');
  const bars = rows.filter((row) => row.rate.utilisation !== null).sort((a, b) => (b.rate.utilisation ?? 0) - (a.rate.utilisation ?? 0));
  return view('network.snmp', headline, failed.length ? 'critical' : worstTone(findings), [
    countBadges(findings, i18n),
    {
      type: 'table',
      title: i18n.t('view.network.interfaces'),
      columns: [
        { key: 'device', label: i18n.t('view.network.device') },
        { key: 'name', label: i18n.t('view.network.interface') },
        { key: 'in', label: i18n.t('view.network.in'), align: 'right' },
        { key: 'out', label: i18n.t('view.network.out'), align: 'right' },
        { key: 'utilisation', label: i18n.t('view.network.utilisation'), align: 'right' },
        { key: 'errors', label: i18n.t('view.network.errorsPerSecond'), align: 'right' },
        { key: 'discards', label: i18n.t('view.network.discardsPerSecond'), align: 'right' },
      ],
      rows: rows.map(({ device, rate }) => ({
        device,
        name: rate.name,
        in: formatBitRate(rate.inBitsPerSecond, i18n),
        out: formatBitRate(rate.outBitsPerSecond, i18n),
        utilisation: formatPercent(rate.utilisation, 1, i18n),
        errors: formatNumber(rate.inErrorsPerSecond + rate.outErrorsPerSecond, i18n),
        discards: formatNumber(rate.inDiscardsPerSecond + rate.outDiscardsPerSecond, i18n),
      })),
      rowTones: rows.map(({ rate }) =>
        rate.errorRatio >= 0.01
          ? 'critical'
          : rate.inErrorsPerSecond + rate.outErrorsPerSecond > 0 || (rate.utilisation ?? 0) >= 0.9
            ? 'warning'
            : 'ok',
      ),
    },
    bars.length > 0 && {
      type: 'bars',
      title: i18n.t('view.network.utilisation'),
      max: 1,
      items: bars.map(({ device, rate }) => ({
        label: `${device} ${rate.name}`,
        value: Math.max(0, rate.utilisation ?? 0),
        display: formatPercent(rate.utilisation, 1, i18n),
      })),
    },
    failed.length > 0 && {
      type: 'table',
      title: i18n.t('view.network.unreachableDevices'),
      columns: [
        { key: 'device', label: i18n.t('view.network.device') },
        { key: 'error', label: i18n.t('view.network.error') },
      ],
      rows: failed.map((device) => ({ device: device.address, error: device.error ?? '' })),
      rowTones: failed.map(() => 'critical' as const),
    },
    findingsTable(findings, i18n),
  ]);
}

/** What a network probe will touch: its targets and ports (approval cards, if a channel requires one). */
export function probePreview(
  input: { targets?: unknown; ports?: unknown; checks?: unknown },
  tool: string,
  i18n: Translator = english(),
): ResultView {
  const list = (value: unknown) =>
    Array.isArray(value) ? value.map(String).join(', ') : typeof value === 'string' || typeof value === 'number' ? String(value) : '—';
  return view('network.preview', i18n.t('view.network.willProbe', { tool, targets: list(input.targets) }), 'pending', [
    {
      type: 'fields',
      fields: [
        { label: i18n.t('view.network.targets'), value: list(input.targets) },
        { label: i18n.t('view.network.ports'), value: list(input.ports) },
        { label: i18n.t('view.network.checks'), value: list(input.checks) },
      ],
    },
  ]);
}

/** Fallback used by tests and callers that have only an unknown result. */
export function networkViewOrGeneric(tool: string, result: ToolResult, i18n: Translator = english()): ResultView {
  const built =
    tool === 'net_interfaces'
      ? interfacesView(result, i18n)
      : tool === 'net_snmp_poll'
        ? snmpView(result, i18n)
        : networkReportView(result, i18n);
  return built ?? genericResultView(tool, result, i18n);
}
