/**
 * SNMP interface analysis: polls devices (bounded concurrency), turns consecutive polls into
 * rates, keeps a bounded per-interface history across calls, and flags saturation, errors
 * and anomalies (EWMA + robust z-score) on those series as findings.
 */
import { createTranslator, type Translator } from '../../contracts/i18n.js';
import { makeFinding, type Finding } from './analysis-report.js';
import { detectAnomalies } from './anomaly-detector.js';
import type { FindingCode, FindingParams } from './finding-text.js';
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
  async analyse(
    targets: SnmpTarget[],
    options: { polls: number; intervalMs: number; concurrency: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<SnmpAnalysis> {
    const started = performance.now();
    const rounds: DevicePoll[][] = [];
    for (let round = 0; round < options.polls; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      options.signal?.throwIfAborted();
      rounds.push(await pollDevices(targets, { concurrency: options.concurrency, timeoutMs: options.timeoutMs }));
    }
    return {
      ...this.analysePolls(
        targets.map((target) => target.address),
        rounds,
      ),
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Turns rounds of polls (one entry per device per round) into rates, history and findings. */
  analysePolls(addresses: string[], rounds: DevicePoll[][]): Omit<SnmpAnalysis, 'durationMs'> {
    const findings: Finding[] = [];
    const english = createTranslator('en');
    const devices = addresses.map((address, deviceIndex) => {
      const target = { address };
      const polls = rounds.map((round) => round[deviceIndex]!);
      const failed = polls.find((poll) => poll.error);
      if (failed)
        findings.push(
          makeFinding(
            target.address,
            { severity: 'critical', check: 'snmp', code: 'snmp.noAnswer', params: { address: target.address, error: failed.error! } },
            english,
          ),
        );
      let rates: InterfaceRates[] = [];
      for (let index = 1; index < polls.length; index += 1) {
        if (polls[index - 1]!.error || polls[index]!.error) continue;
        rates = deviceRates(polls[index - 1]!, polls[index]!);
        for (const rate of rates) this.record(target.address, rate);
      }
      for (const rate of rates) findings.push(...this.findingsFor(target.address, rate, english));
      return {
        address: target.address,
        pollMs: polls.map((poll) => poll.durationMs),
        interfaceCount: polls.at(-1)?.interfaces.length ?? 0,
        rates,
        ...(failed ? { error: failed.error } : {}),
      };
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

  private findingsFor(address: string, rate: InterfaceRates, english: Translator): Finding[] {
    const findings: Finding[] = [];
    const add = (severity: Finding['severity'], code: FindingCode, params: FindingParams) =>
      findings.push(
        makeFinding(
          address,
          {
            severity,
            check: 'snmp',
            code,
            params: { address, interface: rate.name || `ifIndex ${rate.index}`, ifIndex: rate.index, ...params },
          },
          english,
        ),
      );
    if (rate.utilisation !== null && rate.utilisation >= 0.8) {
      add(rate.utilisation >= 0.9 ? 'critical' : 'warning', 'snmp.saturated', {
        utilisationRatio: rate.utilisation,
        inBitsPerSecond: rate.inBitsPerSecond,
        outBitsPerSecond: rate.outBitsPerSecond,
      });
    }
    if (rate.errorRatio >= 0.001) {
      add(rate.errorRatio >= 0.01 ? 'critical' : 'warning', 'snmp.errors', {
        errorRatio: rate.errorRatio,
        errorsPerSecond: rate.inErrorsPerSecond + rate.outErrorsPerSecond,
      });
    }
    const series = this.history.get(`${address}#${rate.index}`);
    if (series) {
      const last = series.errors.length - 1;
      const burst = detectAnomalies(series.errors).find((anomaly) => anomaly.index === last && anomaly.kind === 'burst');
      if (burst) add('warning', 'snmp.errorBurst', { errorsPerSecond: burst.value, baselinePerSecond: burst.baseline, score: burst.score });
      const drop = detectAnomalies(series.traffic).find(
        (anomaly) => anomaly.index === series.traffic.length - 1 && anomaly.kind === 'drop',
      );
      if (drop)
        add('warning', 'snmp.trafficDrop', { trafficBitsPerSecond: drop.value, baselineBitsPerSecond: drop.baseline, score: drop.score });
    }
    return findings;
  }
}
