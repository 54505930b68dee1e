/**
 * Result views of the network tools: a net_check/net_path report as a targets table
 * (address, loss, latency, jitter, ports), a latency chart per probe, the findings and the
 * path's hops; net_interfaces as interface and route tables; net_snmp_poll as per-interface
 * rates and errors with a utilisation bar chart. The data is the tool's own (typed), but read
 * defensively: a view builder must never throw on a partial report.
 */
import type { ResultView, Tone, ViewBlock } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { genericResultView } from '../pipeline/result-views.js';
import { asArray, formatBitRate, formatBytes, formatMs, formatPercent, severityTone, view } from '../view-format.js';
import type { Finding, TargetMeasurements } from './analysis-report.js';
import type { InterfaceInventory } from './interface-inventory.js';
import type { SnmpAnalysis } from './snmp-monitor.js';

const MAX_CHART_TARGETS = 6;

function worstTone(findings: Finding[]): Tone {
  if (findings.some((finding) => finding.severity === 'critical')) return 'critical';
  if (findings.some((finding) => finding.severity === 'warning')) return 'warning';
  return 'ok';
}

function countBadges(findings: Finding[]): ViewBlock | null {
  const counts = { critical: 0, warning: 0, ok: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  const badges = (['critical', 'warning', 'info', 'ok'] as const).filter((severity) => counts[severity] > 0).map((severity) => ({ label: `${counts[severity]} ${severity}`, tone: severityTone(severity) }));
  return badges.length ? { type: 'badges', badges } : null;
}

function portsText(measurement: TargetMeasurements): string {
  const tcp = measurement.tcp ?? [];
  if (tcp.length === 0) return '—';
  return tcp.map((port) => `${port.port} ${port.state}`).join(', ');
}

function targetTone(measurement: TargetMeasurements): Tone {
  const ping = measurement.ping;
  if (ping && ping.received === 0) return 'critical';
  if ((ping && ping.lossPercent >= 2) || (measurement.tcp ?? []).some((port) => port.state !== 'open')) return 'warning';
  return ping || measurement.tcp?.length ? 'ok' : 'neutral';
}

/** The targets table of a report. */
function targetsTable(measurements: TargetMeasurements[]): ViewBlock {
  return {
    type: 'table',
    title: 'Targets',
    columns: [
      { key: 'target', label: 'Target' },
      { key: 'address', label: 'Address' },
      { key: 'loss', label: 'Loss', align: 'right' },
      { key: 'latency', label: 'Latency (avg)', align: 'right' },
      { key: 'jitter', label: 'Jitter', align: 'right' },
      { key: 'ports', label: 'Ports' },
    ],
    rows: measurements.map((measurement) => ({
      target: measurement.target,
      address: measurement.address,
      loss: measurement.ping ? `${measurement.ping.lossPercent} %` : '—',
      latency: formatMs(measurement.ping?.rttMs?.avg),
      jitter: formatMs(measurement.ping?.rttMs?.jitter),
      ports: portsText(measurement),
    })),
    rowTones: measurements.map(targetTone),
  };
}

/** Round-trip time of each probe, one series per target (lost probes are gaps). */
function latencyChart(measurements: TargetMeasurements[]): ViewBlock | null {
  const pinged = measurements.filter((measurement) => (measurement.ping?.samplesMs.length ?? 0) > 0).slice(0, MAX_CHART_TARGETS);
  if (pinged.length === 0) return null;
  const length = Math.max(...pinged.map((measurement) => measurement.ping!.samplesMs.length));
  return {
    type: 'chart',
    title: 'Latency per probe',
    kind: 'line',
    unit: 'ms',
    labels: Array.from({ length }, (_, index) => String(index + 1)),
    series: pinged.map((measurement) => ({ name: measurement.target, points: Array.from({ length }, (_, index) => measurement.ping!.samplesMs[index] ?? null) })),
  };
}

function findingsTable(findings: Finding[]): ViewBlock | null {
  const notable = findings.filter((finding) => finding.severity !== 'ok');
  if (notable.length === 0) return null;
  return {
    type: 'table',
    title: 'Findings',
    columns: [
      { key: 'severity', label: 'Severity' },
      { key: 'title', label: 'Finding' },
      { key: 'evidence', label: 'Evidence' },
      { key: 'recommendation', label: 'What to do' },
    ],
    rows: notable.map((finding) => ({ severity: finding.severity, title: finding.title, evidence: finding.evidence, recommendation: finding.recommendation })),
    rowTones: notable.map((finding) => severityTone(finding.severity)),
  };
}

function pathTable(measurements: TargetMeasurements[]): ViewBlock | null {
  const traced = measurements.find((measurement) => measurement.path);
  if (!traced?.path) return null;
  return {
    type: 'table',
    title: `Path to ${traced.target}${traced.path.pathMtu ? ` (path MTU ${traced.path.pathMtu})` : ''}`,
    columns: [
      { key: 'hop', label: 'Hop', align: 'right' },
      { key: 'address', label: 'Address' },
      { key: 'latency', label: 'Latency', align: 'right' },
      { key: 'added', label: 'Added', align: 'right' },
    ],
    rows: traced.path.hops.map((hop) => ({ hop: hop.hop, address: hop.address ?? '?', latency: formatMs(hop.latencyMs), added: formatMs(hop.addedMs) })),
    rowTones: traced.path.hops.map((hop) => (traced.path!.slowestHop?.hop === hop.hop && (hop.addedMs ?? 0) >= 10 ? 'warning' : 'neutral')),
  };
}

/** The view of a net_check or net_path result. */
export function networkReportView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as { summary?: string; findings?: Finding[]; measurements?: TargetMeasurements[]; durationMs?: number; reportId?: string };
  const findings = asArray(data.findings) as Finding[];
  const measurements = asArray(data.measurements) as TargetMeasurements[];
  return view('network.check', data.summary ?? `${measurements.length} target(s) checked`, worstTone(findings), [
    countBadges(findings),
    targetsTable(measurements),
    latencyChart(measurements),
    findingsTable(findings),
    pathTable(measurements),
    { type: 'fields', fields: [{ label: 'Duration', value: formatMs(data.durationMs) }, ...(data.reportId ? [{ label: 'Report', value: data.reportId }] : [])] },
  ]);
}

/** The view of a net_interfaces result. */
export function interfacesView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as InterfaceInventory;
  const interfaces = asArray(data.interfaces) as InterfaceInventory['interfaces'];
  const routes = asArray(data.routes) as InterfaceInventory['routes'];
  const down = interfaces.filter((entry) => entry.state !== 'UP' && entry.state !== 'UNKNOWN');
  return view('network.interfaces', `${interfaces.length} interface(s), ${routes.length} route(s)${down.length ? `; ${down.length} not up` : ''}`, down.length ? 'warning' : 'ok', [
    {
      type: 'table',
      title: 'Interfaces',
      columns: [
        { key: 'name', label: 'Name' },
        { key: 'state', label: 'State' },
        { key: 'mtu', label: 'MTU', align: 'right' },
        { key: 'addresses', label: 'Addresses' },
        { key: 'traffic', label: 'Received / sent' },
        { key: 'errors', label: 'Errors (rx/tx)', align: 'right' },
        { key: 'drops', label: 'Drops (rx/tx)', align: 'right' },
      ],
      rows: interfaces.map((entry) => ({
        name: entry.name,
        state: entry.state,
        mtu: entry.mtu,
        addresses: entry.addresses.join(', ') || '—',
        traffic: entry.stats ? `${formatBytes(entry.stats.rxBytes)} / ${formatBytes(entry.stats.txBytes)}` : '—',
        errors: entry.stats ? `${entry.stats.rxErrors} / ${entry.stats.txErrors}` : '—',
        drops: entry.stats ? `${entry.stats.rxDropped} / ${entry.stats.txDropped}` : '—',
      })),
      rowTones: interfaces.map((entry) => (entry.stats && entry.stats.rxErrors + entry.stats.txErrors > 0 ? 'warning' : entry.state === 'UP' ? 'ok' : 'neutral')),
    },
    routes.length > 0 && {
      type: 'table',
      title: 'Routes',
      columns: [
        { key: 'dst', label: 'Destination' },
        { key: 'gateway', label: 'Gateway' },
        { key: 'dev', label: 'Device' },
        { key: 'prefsrc', label: 'Source' },
      ],
      rows: routes.map((route) => ({ dst: route.dst, gateway: route.gateway ?? '—', dev: route.dev ?? '—', prefsrc: route.prefsrc ?? '—' })),
    },
  ]);
}

/** The view of a net_snmp_poll result: interfaces with rates and errors, utilisation bars. */
export function snmpView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = result.data as SnmpAnalysis;
  const devices = asArray(data.devices) as SnmpAnalysis['devices'];
  const findings = asArray(data.findings) as Finding[];
  const rows = devices.flatMap((device) => device.rates.map((rate) => ({ device: device.address, rate })));
  const failed = devices.filter((device) => device.error);
  const headline = `${devices.length} device(s) polled, ${rows.length} interface(s)${failed.length ? `, ${failed.length} unreachable` : ''}${findings.length ? `, ${findings.length} finding(s)` : ''}`;
  const bars = rows.filter((row) => row.rate.utilisation !== null).sort((a, b) => (b.rate.utilisation ?? 0) - (a.rate.utilisation ?? 0));
  return view('network.snmp', headline, failed.length ? 'critical' : worstTone(findings), [
    countBadges(findings),
    {
      type: 'table',
      title: 'Interfaces',
      columns: [
        { key: 'device', label: 'Device' },
        { key: 'name', label: 'Interface' },
        { key: 'in', label: 'In', align: 'right' },
        { key: 'out', label: 'Out', align: 'right' },
        { key: 'utilisation', label: 'Utilisation', align: 'right' },
        { key: 'errors', label: 'Errors/s', align: 'right' },
        { key: 'discards', label: 'Discards/s', align: 'right' },
      ],
      rows: rows.map(({ device, rate }) => ({
        device,
        name: rate.name,
        in: formatBitRate(rate.inBitsPerSecond),
        out: formatBitRate(rate.outBitsPerSecond),
        utilisation: formatPercent(rate.utilisation),
        errors: Math.round((rate.inErrorsPerSecond + rate.outErrorsPerSecond) * 100) / 100,
        discards: Math.round((rate.inDiscardsPerSecond + rate.outDiscardsPerSecond) * 100) / 100,
      })),
      rowTones: rows.map(({ rate }) => (rate.errorRatio >= 0.01 ? 'critical' : rate.inErrorsPerSecond + rate.outErrorsPerSecond > 0 || (rate.utilisation ?? 0) >= 0.9 ? 'warning' : 'ok')),
    },
    bars.length > 0 && { type: 'bars', title: 'Utilisation', max: 1, items: bars.map(({ device, rate }) => ({ label: `${device} ${rate.name}`, value: Math.max(0, rate.utilisation ?? 0), display: formatPercent(rate.utilisation) })) },
    failed.length > 0 && { type: 'table', title: 'Unreachable devices', columns: [{ key: 'device', label: 'Device' }, { key: 'error', label: 'Error' }], rows: failed.map((device) => ({ device: device.address, error: device.error ?? '' })), rowTones: failed.map(() => 'critical' as const) },
    findingsTable(findings),
  ]);
}

/** What a network probe will touch: its targets and ports (approval cards, if a channel requires one). */
export function probePreview(input: { targets?: unknown; ports?: unknown; checks?: unknown }, tool: string): ResultView {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String).join(', ') : typeof value === 'string' || typeof value === 'number' ? String(value) : '—');
  return view('network.preview', `${tool} will probe ${list(input.targets)}`, 'pending', [
    { type: 'fields', fields: [{ label: 'Targets', value: list(input.targets) }, { label: 'Ports', value: list(input.ports) }, { label: 'Checks', value: list(input.checks) }] },
  ]);
}

/** Fallback used by tests and callers that have only an unknown result. */
export function networkViewOrGeneric(tool: string, result: ToolResult): ResultView {
  const built = tool === 'net_interfaces' ? interfacesView(result) : tool === 'net_snmp_poll' ? snmpView(result) : networkReportView(result);
  return built ?? genericResultView(tool, result);
}
