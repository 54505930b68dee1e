/**
 * Turns raw measurements into an explained answer: findings ranked by severity, each a code
 * with raw params (see finding-text.ts) plus its English evidence and recommendation, and an
 * English one-line summary for the data.
 */
import { createTranslator, type Translator } from '../../contracts/i18n.js';
import type { DnsResult } from './dns-check.js';
import { findingText, type FindingCode, type FindingParams } from './finding-text.js';
import type { HttpResult } from './http-check.js';
import type { PathResult } from './path-check.js';
import type { PingResult } from './ping-check.js';
import type { TcpResult } from './tcp-check.js';

/** How bad a finding is. */
export type Severity = 'critical' | 'warning' | 'info' | 'ok';

/**
 * One explained observation: what was seen as a stable `code` with raw `params` (views
 * render them in the reader's language), and the same in English sentences for the data
 * (REST, the model, incident lines). Reports stored before codes existed have no code.
 */
export interface Finding {
  severity: Severity;
  target: string;
  check: string;
  code?: FindingCode;
  params?: FindingParams;
  title: string;
  evidence: string;
  recommendation: string;
}

/** Everything measured for one target. */
export interface TargetMeasurements {
  target: string;
  address: string;
  resolveMs: number;
  ping?: PingResult;
  tcp?: TcpResult[];
  dns?: DnsResult;
  http?: HttpResult;
  path?: PathResult;
}

/** What a finding builder records: the sentences follow from the code and params. */
type Observation = { severity: Severity; check: string; code: FindingCode; params: FindingParams };
type Add = (observation: Observation) => void;

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2, ok: 3 };

/** A finding about `target`, with its English sentences. */
export function makeFinding(target: string, observation: Observation, english: Translator): Finding {
  return {
    severity: observation.severity,
    target,
    check: observation.check,
    code: observation.code,
    params: observation.params,
    ...findingText(observation.code, observation.params, english),
  };
}

/** Sorts findings worst first (stable within a severity). */
export function rankFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/** The worst severity among findings. */
export function worstSeverity(findings: Finding[]): Severity {
  return rankFindings(findings)[0]?.severity ?? 'ok';
}

function pingFindings(measurement: TargetMeasurements, add: Add): void {
  const { ping, path, target } = measurement;
  if (!ping) return;
  if (ping.received === 0) {
    add({
      severity: 'critical',
      check: 'ping',
      code: 'ping.unreachable',
      params: { target, address: ping.address, sent: ping.sent, error: ping.error ?? null },
    });
    return;
  }
  const slowHop = path?.slowestHop && path.slowestHop.addedMs !== null && path.slowestHop.addedMs >= 10 ? path.slowestHop : null;
  const rtt = ping.rttMs!;
  const params: FindingParams = {
    target,
    address: ping.address,
    sent: ping.sent,
    lossPercent: ping.lossPercent,
    avgMs: rtt.avg,
    jitterMs: rtt.jitter,
    minMs: rtt.min,
    maxMs: rtt.max,
    ...(slowHop ? { slowHop: slowHop.hop, slowHopAddress: slowHop.address ?? null, slowHopAddedMs: slowHop.addedMs } : {}),
  };
  if (ping.lossPercent >= 2) add({ severity: ping.lossPercent >= 10 ? 'critical' : 'warning', check: 'ping', code: 'ping.loss', params });
  else if (rtt.avg >= 100 || rtt.jitter >= 30)
    add({ severity: 'warning', check: 'ping', code: rtt.jitter >= 30 ? 'ping.highJitter' : 'ping.highLatency', params });
  else add({ severity: 'ok', check: 'ping', code: 'ping.ok', params });
}

function portFindings(measurement: TargetMeasurements, add: Add): void {
  for (const port of measurement.tcp ?? []) {
    const params = { target: measurement.target, address: port.address, port: port.port, connectMs: port.connectMs };
    if (port.state === 'open') add({ severity: 'ok', check: 'tcp', code: 'tcp.open', params });
    else if (port.state === 'closed') add({ severity: 'warning', check: 'tcp', code: 'tcp.closed', params });
    else
      add({
        severity: 'warning',
        check: 'tcp',
        code: port.state === 'filtered' ? 'tcp.filtered' : 'tcp.unreachable',
        params: { ...params, state: port.state, error: port.error ?? null },
      });
  }
}

function httpFindings(measurement: TargetMeasurements, add: Add): void {
  const http = measurement.http;
  if (!http) return;
  const base = { target: measurement.target, url: http.url };
  if (http.error || http.status === null)
    add({ severity: 'critical', check: 'http', code: 'http.failed', params: { ...base, error: http.error ?? null } });
  else if (http.status >= 500)
    add({
      severity: 'critical',
      check: 'http',
      code: 'http.serverError',
      params: { ...base, status: http.status, firstByteMs: http.timingsMs.firstByte },
    });
  else if (http.status >= 400)
    add({
      severity: 'warning',
      check: 'http',
      code: 'http.clientError',
      params: { ...base, status: http.status, totalMs: http.timingsMs.total },
    });
  else
    add({
      severity: 'ok',
      check: 'http',
      code: 'http.ok',
      params: { ...base, status: http.status, connectMs: http.timingsMs.connect, firstByteMs: http.timingsMs.firstByte },
    });
  const tls = http.tls;
  if (tls && tls.daysLeft < 0)
    add({ severity: 'critical', check: 'http', code: 'tls.expired', params: { ...base, daysAgo: -tls.daysLeft, validTo: tls.validTo } });
  else if (tls && tls.daysLeft < 21)
    add({
      severity: tls.daysLeft < 7 ? 'critical' : 'warning',
      check: 'http',
      code: 'tls.expiring',
      params: { ...base, daysLeft: tls.daysLeft, validTo: tls.validTo },
    });
  if (tls && !tls.authorized)
    add({ severity: 'info', check: 'http', code: 'tls.unverified', params: { ...base, error: tls.authorizationError ?? null } });
}

function dnsFindings(measurement: TargetMeasurements, add: Add): void {
  const dns = measurement.dns;
  for (const answer of dns?.answers ?? []) {
    if (answer.type === 'A' && answer.error)
      add({
        severity: 'warning',
        check: 'dns',
        code: 'dns.noA',
        params: { name: dns!.name, error: answer.error, durationMs: answer.durationMs },
      });
    if (answer.durationMs > 500)
      add({
        severity: 'warning',
        check: 'dns',
        code: 'dns.slow',
        params: { name: dns!.name, recordType: answer.type, durationMs: answer.durationMs },
      });
  }
}

function pathFindings(measurement: TargetMeasurements, add: Add): void {
  const path = measurement.path;
  if (!path) return;
  const target = measurement.target;
  const slow = path.slowestHop;
  const total = path.hops.at(-1)?.latencyMs ?? 0;
  if (slow && slow.addedMs !== null && slow.addedMs >= 10 && slow.addedMs >= 0.5 * total)
    add({
      severity: 'warning',
      check: 'path',
      code: 'path.slowHop',
      params: { target, hop: slow.hop, address: slow.address ?? null, addedMs: slow.addedMs, totalMs: total, hops: path.hops.length },
    });
  if (!path.reached)
    add({
      severity: 'warning',
      check: 'path',
      code: 'path.incomplete',
      params: { target, hops: path.hops.length, error: path.error ?? null },
    });
  if (path.pathMtu !== null && path.pathMtu < 1500)
    add({ severity: 'info', check: 'path', code: 'path.mtu', params: { target, pathMtu: path.pathMtu } });
}

/** Builds the findings of one target. */
export function targetFindings(measurement: TargetMeasurements, english: Translator = createTranslator('en')): Finding[] {
  const findings: Finding[] = [];
  const add: Add = (observation) => findings.push(makeFinding(measurement.target, observation, english));
  for (const build of [pingFindings, portFindings, httpFindings, dnsFindings, pathFindings]) build(measurement, add);
  return findings;
}

/** One line for the data (REST, the model, incident lines), in English; views write their own headline. */
export function summarise(findings: Finding[], targetCount: number): string {
  const ranked = rankFindings(findings);
  const problems = ranked.filter((finding) => finding.severity === 'critical' || finding.severity === 'warning');
  if (problems.length === 0) return `No problem found on ${targetCount} target${targetCount === 1 ? '' : 's'}.`;
  const critical = problems.filter((finding) => finding.severity === 'critical').length;
  const head = problems[0]!;
  return `${critical} critical, ${problems.length - critical} warning finding(s) on ${targetCount} target(s). Worst: ${head.title} — ${head.evidence}.`;
}
