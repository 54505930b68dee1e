/**
 * SNMP interface analysis: polls devices (bounded concurrency), turns consecutive polls into
 * rates, keeps a bounded per-interface history across calls, and flags saturation, errors
 * and anomalies (EWMA + robust z-score) on those series as findings.
 */
import type { Finding } from './analysis-report.js';
import { detectAnomalies } from './anomaly-detector.js';
import { deviceRates, type InterfaceRates } from './interface-rates.js';
import { pollDevices, type DevicePoll, type SnmpTarget } from './snmp-poller.js';

/** What one SNMP analysis returns. */
export interface SnmpAnalysis {
  devices: Array<{ address: string; pollMs: number[]; interfaceCount: number; rates: InterfaceRates[]; error?: string }>;
  findings: Finding[];
  durationMs: number;
}

const HISTORY_LENGTH = 288;

/** Remembers the rates of each interface across polls, for anomaly detection. */
export class SnmpMonitor {
  private readonly history = new Map<string, { errors: number[]; discards: number[]; traffic: number[] }>();

  /** Polls every target `polls` times, `intervalMs` apart, and analyses the rates. */
  async analyse(targets: SnmpTarget[], options: { polls: number; intervalMs: number; concurrency: number; timeoutMs: number; signal?: AbortSignal }): Promise<SnmpAnalysis> {
    const started = performance.now();
    const rounds: DevicePoll[][] = [];
    for (let round = 0; round < options.polls; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      options.signal?.throwIfAborted();
      rounds.push(await pollDevices(targets, { concurrency: options.concurrency, timeoutMs: options.timeoutMs }));
    }
    return { ...this.analysePolls(targets.map((target) => target.address), rounds), durationMs: Math.round(performance.now() - started) };
  }

  /** Turns rounds of polls (one entry per device per round) into rates, history and findings. */
  analysePolls(addresses: string[], rounds: DevicePoll[][]): Omit<SnmpAnalysis, 'durationMs'> {
    const findings: Finding[] = [];
    const devices = addresses.map((address, deviceIndex) => {
      const target = { address };
      const polls = rounds.map((round) => round[deviceIndex]!);
      const failed = polls.find((poll) => poll.error);
      if (failed) findings.push({ severity: 'critical', target: target.address, check: 'snmp', title: `SNMP agent ${target.address} did not answer`, evidence: failed.error!, recommendation: 'Check the agent, the community or v3 credentials, and UDP 161 reachability.' });
      let rates: InterfaceRates[] = [];
      for (let index = 1; index < polls.length; index += 1) {
        if (polls[index - 1]!.error || polls[index]!.error) continue;
        rates = deviceRates(polls[index - 1]!, polls[index]!);
        for (const rate of rates) this.record(target.address, rate);
      }
      for (const rate of rates) findings.push(...this.findingsFor(target.address, rate));
      return { address: target.address, pollMs: polls.map((poll) => poll.durationMs), interfaceCount: polls.at(-1)?.interfaces.length ?? 0, rates, ...(failed ? { error: failed.error } : {}) };
    });
    return { devices, findings };
  }

  private record(address: string, rate: InterfaceRates): void {
    const key = `${address}#${rate.index}`;
    const series = this.history.get(key) ?? { errors: [], discards: [], traffic: [] };
    series.errors.push(rate.inErrorsPerSecond + rate.outErrorsPerSecond);
    series.discards.push(rate.inDiscardsPerSecond + rate.outDiscardsPerSecond);
    series.traffic.push(rate.inBitsPerSecond + rate.outBitsPerSecond);
    for (const values of Object.values(series)) if (values.length > HISTORY_LENGTH) values.shift();
    this.history.set(key, series);
  }

  private findingsFor(address: string, rate: InterfaceRates): Finding[] {
    const findings: Finding[] = [];
    const where = `${address} ${rate.name || `ifIndex ${rate.index}`}`;
    const mbps = (bits: number) => `${Math.round(bits / 10_000) / 100} Mbit/s`;
    if (rate.utilisation !== null && rate.utilisation >= 0.8) {
      findings.push({ severity: rate.utilisation >= 0.9 ? 'critical' : 'warning', target: address, check: 'snmp', title: `${where} is saturated`, evidence: `utilisation ${Math.round(rate.utilisation * 1000) / 10} % (in ${mbps(rate.inBitsPerSecond)}, out ${mbps(rate.outBitsPerSecond)})`, recommendation: 'Add capacity, rebalance traffic or shape the heavy flows.' });
    }
    if (rate.errorRatio >= 0.001) {
      findings.push({ severity: rate.errorRatio >= 0.01 ? 'critical' : 'warning', target: address, check: 'snmp', title: `${where} has interface errors`, evidence: `${Math.round(rate.errorRatio * 10000) / 100} % of packets errored (${Math.round((rate.inErrorsPerSecond + rate.outErrorsPerSecond) * 100) / 100}/s)`, recommendation: 'Check cabling, optics and duplex on this port.' });
    }
    const series = this.history.get(`${address}#${rate.index}`);
    if (series) {
      const last = series.errors.length - 1;
      const burst = detectAnomalies(series.errors).find((anomaly) => anomaly.index === last && anomaly.kind === 'burst');
      if (burst) findings.push({ severity: 'warning', target: address, check: 'snmp', title: `Error burst on ${where}`, evidence: `${Math.round(burst.value * 100) / 100} errors/s against a baseline of ${Math.round(burst.baseline * 100) / 100} (robust z ${burst.score})`, recommendation: 'Correlate with link flaps and maintenance; check the port.' });
      const drop = detectAnomalies(series.traffic).find((anomaly) => anomaly.index === series.traffic.length - 1 && anomaly.kind === 'drop');
      if (drop) findings.push({ severity: 'warning', target: address, check: 'snmp', title: `Traffic drop on ${where}`, evidence: `${mbps(drop.value)} against a baseline of ${mbps(drop.baseline)} (robust z ${drop.score})`, recommendation: 'Check upstream links and whether a service stopped.' });
    }
    return findings;
  }
}
