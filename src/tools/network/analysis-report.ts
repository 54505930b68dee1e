/**
 * Turns raw measurements into an explained answer: findings ranked by severity, each with
 * its evidence and a recommendation, plus a one-line summary for chat.
 */
import type { DnsResult } from './dns-check.js';
import type { HttpResult } from './http-check.js';
import type { PathResult } from './path-check.js';
import type { PingResult } from './ping-check.js';
import type { TcpResult } from './tcp-check.js';

/** How bad a finding is. */
export type Severity = 'critical' | 'warning' | 'info' | 'ok';

/** One explained observation. */
export interface Finding {
  severity: Severity;
  target: string;
  check: string;
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

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2, ok: 3 };
const round = (value: number) => Math.round(value * 10) / 10;

/** Sorts findings worst first (stable within a severity). */
export function rankFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/** The worst severity among findings. */
export function worstSeverity(findings: Finding[]): Severity {
  return rankFindings(findings)[0]?.severity ?? 'ok';
}

function pingFindings(measurement: TargetMeasurements, add: (finding: Omit<Finding, 'target'>) => void): void {
  const { ping, path } = measurement;
  if (!ping) return;
  const slowHop = path?.slowestHop && path.slowestHop.addedMs !== null && path.slowestHop.addedMs >= 10 ? path.slowestHop : null;
  const hopText = slowHop ? `, hop ${slowHop.hop} (${slowHop.address ?? '?'}) adds ${round(slowHop.addedMs!)} ms` : '';
  if (ping.received === 0) {
    add({ severity: 'critical', check: 'ping', title: `${measurement.target} does not answer ICMP`, evidence: `0 of ${ping.sent} echo replies${ping.error ? ` (${ping.error})` : ''}`, recommendation: 'Check that the host is up, the route to it (net_path) and any firewall dropping ICMP.' });
    return;
  }
  const rtt = ping.rttMs!;
  const evidence = `loss ${ping.lossPercent} % to ${ping.address} over ${ping.sent} probes, latency ${round(rtt.avg)} ms ± ${round(rtt.jitter)} ms (min ${round(rtt.min)}, max ${round(rtt.max)})${hopText}`;
  if (ping.lossPercent >= 2) {
    add({ severity: ping.lossPercent >= 10 ? 'critical' : 'warning', check: 'ping', title: `Packet loss to ${measurement.target}`, evidence, recommendation: 'Look for congested or erroring links on the path (net_snmp_poll on the devices along it) and for rate limiting of ICMP.' });
  } else if (rtt.avg >= 100 || rtt.jitter >= 30) {
    add({ severity: 'warning', check: 'ping', title: `High ${rtt.jitter >= 30 ? 'jitter' : 'latency'} to ${measurement.target}`, evidence, recommendation: slowHop ? `Investigate hop ${slowHop.hop}: it adds most of the delay.` : 'Trace the path (net_path) to find the hop that adds the delay.' });
  } else {
    add({ severity: 'ok', check: 'ping', title: `${measurement.target} answers`, evidence, recommendation: 'Nothing to do.' });
  }
}

function otherFindings(measurement: TargetMeasurements, add: (finding: Omit<Finding, 'target'>) => void): void {
  for (const port of measurement.tcp ?? []) {
    if (port.state === 'open') add({ severity: 'ok', check: 'tcp', title: `Port ${port.port} open`, evidence: `connected in ${round(port.connectMs ?? 0)} ms`, recommendation: 'Nothing to do.' });
    else if (port.state === 'closed') add({ severity: 'warning', check: 'tcp', title: `Port ${port.port} closed on ${measurement.target}`, evidence: `connection refused (RST) after ${round(port.connectMs ?? 0)} ms: the host is up but nothing listens`, recommendation: 'Check that the service is running and listening on this address.' });
    else add({ severity: 'warning', check: 'tcp', title: `Port ${port.port} ${port.state} on ${measurement.target}`, evidence: port.error ?? port.state, recommendation: port.state === 'filtered' ? 'A firewall is probably dropping the connection; check its rules.' : 'Check routing to the host.' });
  }
  const http = measurement.http;
  if (http) {
    if (http.error || http.status === null) add({ severity: 'critical', check: 'http', title: `HTTP probe failed for ${http.url}`, evidence: http.error ?? 'no status', recommendation: 'Check the service and the port (tcp check).' });
    else if (http.status >= 500) add({ severity: 'critical', check: 'http', title: `${http.url} answers ${http.status}`, evidence: `first byte after ${round(http.timingsMs.firstByte ?? 0)} ms`, recommendation: 'The server is failing: check its logs.' });
    else if (http.status >= 400) add({ severity: 'warning', check: 'http', title: `${http.url} answers ${http.status}`, evidence: `total ${round(http.timingsMs.total)} ms`, recommendation: 'Check the path and the authentication the endpoint expects.' });
    else add({ severity: 'ok', check: 'http', title: `${http.url} answers ${http.status}`, evidence: `connect ${round(http.timingsMs.connect ?? 0)} ms, first byte ${round(http.timingsMs.firstByte ?? 0)} ms`, recommendation: 'Nothing to do.' });
    if (http.tls && http.tls.daysLeft < 21) add({ severity: http.tls.daysLeft < 7 ? 'critical' : 'warning', check: 'http', title: `TLS certificate of ${http.url} expires in ${http.tls.daysLeft} days`, evidence: `valid to ${http.tls.validTo}`, recommendation: 'Renew the certificate.' });
    if (http.tls && !http.tls.authorized) add({ severity: 'info', check: 'http', title: `TLS certificate of ${http.url} does not verify`, evidence: http.tls.authorizationError ?? 'unverified', recommendation: 'Use a certificate from a trusted authority, or expect clients to reject it.' });
  }
  for (const answer of measurement.dns?.answers ?? []) {
    if (answer.type === 'A' && answer.error) add({ severity: 'warning', check: 'dns', title: `${measurement.dns!.name} has no A record`, evidence: `${answer.error} after ${round(answer.durationMs)} ms`, recommendation: 'Check the zone and the resolvers.' });
    if (answer.durationMs > 500) add({ severity: 'warning', check: 'dns', title: `Slow DNS for ${measurement.dns!.name}`, evidence: `${answer.type} took ${round(answer.durationMs)} ms`, recommendation: 'Check the resolvers in use.' });
  }
  const path = measurement.path;
  if (path) {
    const slow = path.slowestHop;
    const total = path.hops.at(-1)?.latencyMs ?? 0;
    if (slow && slow.addedMs !== null && slow.addedMs >= 10 && slow.addedMs >= 0.5 * total) add({ severity: 'warning', check: 'path', title: `Hop ${slow.hop} adds most of the latency to ${measurement.target}`, evidence: `hop ${slow.hop} (${slow.address ?? '?'}) adds ${round(slow.addedMs)} ms of ${round(total)} ms over ${path.hops.length} hops`, recommendation: `Look at the link into ${slow.address ?? `hop ${slow.hop}`}: congestion, a long-haul link or a shaper.` });
    if (!path.reached) add({ severity: 'warning', check: 'path', title: `Path to ${measurement.target} not completed`, evidence: `${path.hops.length} hops traced${path.error ? `, ${path.error}` : ''}`, recommendation: 'A hop filters UDP probes or the host is unreachable.' });
    if (path.pathMtu !== null && path.pathMtu < 1500) add({ severity: 'info', check: 'path', title: `Path MTU to ${measurement.target} is ${path.pathMtu}`, evidence: `tracepath pmtu ${path.pathMtu}`, recommendation: 'Expect fragmentation or PMTUD issues for full-size packets; check tunnels on the path.' });
  }
}

/** Builds the findings of one target. */
export function targetFindings(measurement: TargetMeasurements): Finding[] {
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'target'>) => findings.push({ ...finding, target: measurement.target });
  pingFindings(measurement, add);
  otherFindings(measurement, add);
  return findings;
}

/** One line for chat: the worst news first. */
export function summarise(findings: Finding[], targetCount: number): string {
  const ranked = rankFindings(findings);
  const problems = ranked.filter((finding) => finding.severity === 'critical' || finding.severity === 'warning');
  if (problems.length === 0) return `No problem found on ${targetCount} target${targetCount === 1 ? '' : 's'}.`;
  const critical = problems.filter((finding) => finding.severity === 'critical').length;
  const head = problems[0]!;
  return `${critical} critical, ${problems.length - critical} warning finding(s) on ${targetCount} target(s). Worst: ${head.title} — ${head.evidence}.`;
}
