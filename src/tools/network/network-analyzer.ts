/**
 * Runs a network analysis: guardrails first (rate limit, bounds, allowlist and name
 * pinning — a refusal means nothing was executed), then every probe under one concurrency
 * bound and one total deadline, then findings and (optionally) a stored report.
 */
import { setMaxListeners } from 'node:events';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, RateLimitedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createTranslator } from '../../contracts/i18n.js';
import {
  makeFinding,
  rankFindings,
  summarise,
  targetFindings,
  worstSeverity,
  type Finding,
  type Severity,
  type TargetMeasurements,
} from './analysis-report.js';
import { createCommandRunner, mapWithConcurrency, type CommandRunner } from './command-runner.js';
import { resolveName } from './dns-check.js';
import { httpProbe } from './http-check.js';
import type { AnalysisRequest } from './network-schemas.js';
import { networkMetrics, type NetworkMetrics } from './network-metrics.js';
import type { NetworkSettings } from './network-settings.js';
import { tracePath } from './path-check.js';
import type { FindingParams } from './finding-text.js';
import { detectFping, fpingAddresses } from './fping-sweep.js';
import { NetworkRefusal, type RefusalReason } from './network-refusal.js';
import { pingAddress, type PingResult } from './ping-check.js';
import { ProbeLimiter } from './probe-limiter.js';
import { TargetAllowlist, isStrictIpv4, type NameResolver, type ResolvedTarget } from './target-allowlist.js';
import { tcpConnect } from './tcp-check.js';

/** A finished analysis. */
export interface AnalysisReport {
  id?: string;
  createdAt: string;
  targets: string[];
  checks: string[];
  worstSeverity: Severity;
  summary: string;
  findings: Finding[];
  measurements: TargetMeasurements[];
  durationMs: number;
  peakConcurrency: number;
  timedOut: boolean;
}

/** Who asks, for rate limits and the stored report. */
export interface AnalysisCaller {
  userId: string;
  signal?: AbortSignal;
}

/** What the analyzer is built from (clients injected so tests and benchmarks drive it). */
export interface NetworkAnalyzerDeps {
  settings: NetworkSettings;
  runner?: CommandRunner;
  resolver?: NameResolver;
  metrics?: NetworkMetrics;
  logger?: Logger;
}

/** The engine behind POST /api/network-analysis and the net_* tools. */
export class NetworkAnalyzer {
  readonly allowlist: TargetAllowlist;
  readonly runner: CommandRunner;
  readonly metrics: NetworkMetrics;
  private readonly rateLimiter: RateLimiterMemory;
  private fping: Promise<boolean> | undefined;

  constructor(private readonly deps: NetworkAnalyzerDeps) {
    this.allowlist = new TargetAllowlist(deps.settings.allowedTargets, deps.resolver);
    this.runner = deps.runner ?? createCommandRunner();
    this.metrics = deps.metrics ?? networkMetrics();
    this.rateLimiter = new RateLimiterMemory({ keyPrefix: 'network', points: deps.settings.rateLimitPerMinute, duration: 60 });
  }

  get settings(): NetworkSettings {
    return this.deps.settings;
  }

  /** Consumes one run from the caller's per-minute budget or throws RateLimitedError. */
  async consumeRate(userId: string): Promise<void> {
    try {
      await this.rateLimiter.consume(userId || 'anonymous');
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.metrics.refusals.inc({ reason: 'rate_limit' });
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
      throw rejection;
    }
  }

  /** Resolves and checks every target; throws (with every refusal in details) before anything runs. */
  async admitTargets(targets: string[]): Promise<ResolvedTarget[]> {
    const unique = [...new Set(targets)];
    if (unique.length > this.settings.maxTargets) {
      this.metrics.refusals.inc({ reason: 'bounds' });
      throw new NetworkRefusal(
        'validation_error',
        `At most ${this.settings.maxTargets} targets per run (NET_MAX_TARGETS); got ${unique.length}`,
        'limit.targets',
        { limit: this.settings.maxTargets, got: unique.length },
      );
    }
    const outcomes = await mapWithConcurrency(unique, 16, async (target) => {
      try {
        return await this.allowlist.resolve(target);
      } catch (error) {
        return error as AppError;
      }
    });
    const refused = outcomes.filter((outcome): outcome is AppError => outcome instanceof Error);
    if (refused.length > 0) {
      this.metrics.refusals.inc({ reason: refused[0]!.code ?? 'invalid' });
      const first = refused[0]!;
      const message = refused.length === 1 ? first.message : `${first.message} (and ${refused.length - 1} more refused)`;
      const details = refused.map((error) => ({ path: 'targets', message: error.message }));
      if (first instanceof NetworkRefusal)
        throw new NetworkRefusal(
          first.code as 'validation_error' | 'forbidden',
          message,
          first.reason,
          { ...first.params, more: refused.length - 1 },
          details,
        );
      throw new AppError(first.code, first.status, message, details);
    }
    return outcomes as ResolvedTarget[];
  }

  /** Runs the checks of `request`; throws only for refusals (guardrails), never for probe failures. */
  async analyze(request: AnalysisRequest, caller: AnalysisCaller): Promise<AnalysisReport> {
    const { settings } = this;
    const options = request.options;
    const ports = options.ports ?? [];
    const count = options.count ?? 5;
    if (ports.length > settings.maxPorts)
      throw this.refuse(`At most ${settings.maxPorts} ports per run (NET_MAX_PORTS); got ${ports.length}`, 'limit.ports', {
        limit: settings.maxPorts,
        got: ports.length,
      });
    if (count > settings.maxProbes)
      throw this.refuse(`At most ${settings.maxProbes} probes per target (NET_MAX_PROBES); got ${count}`, 'limit.probes', {
        limit: settings.maxProbes,
        got: count,
      });
    await this.consumeRate(caller.userId);
    const resolved = await this.admitTargets(request.targets);

    const started = performance.now();
    const limiter = new ProbeLimiter(Math.min(options.concurrency ?? settings.maxConcurrency, settings.maxConcurrency));
    const deadline = AbortSignal.timeout(settings.maxRunMs);
    const signal = caller.signal ? AbortSignal.any([caller.signal, deadline]) : deadline;
    setMaxListeners(0, signal); // every in-flight probe listens for the deadline
    const timeoutMs = options.timeoutMs ?? 1_000;
    const checks = new Set(request.checks);
    const probe = <Result>(check: string, work: () => Promise<Result>) =>
      limiter.run(() => {
        signal.throwIfAborted();
        this.metrics.probes.inc({ check });
        return work();
      });

    // Sweeps: one fping process per 64 hosts instead of one ping process per host.
    const sweep = new Map<string, Promise<PingResult | undefined>>();
    if (checks.has('ping') && resolved.length > 1 && (await this.fpingAvailable())) {
      const addresses = [...new Set(resolved.map((target) => target.address))];
      for (let start = 0; start < addresses.length; start += 64) {
        const chunk = addresses.slice(start, start + 64);
        const results = probe('ping', () =>
          fpingAddresses(this.runner, chunk, { count, intervalMs: options.intervalMs ?? 200, timeoutMs, signal }),
        );
        chunk.forEach((address, index) =>
          sweep.set(
            address,
            results.then((values) => values[index]),
          ),
        );
      }
    }
    const measurements = await Promise.all(
      resolved.map(async (target): Promise<TargetMeasurements> => {
        const measurement: TargetMeasurements = {
          target: target.target,
          address: target.address,
          resolveMs: Math.round(target.resolveMs * 1000) / 1000,
        };
        const work: Array<Promise<unknown>> = [];
        const guard = <Result>(promise: Promise<Result>, assign: (value: Result) => void) =>
          work.push(
            promise.then(assign, (error: Error) => this.deps.logger?.warn({ err: error, target: target.target }, 'network probe failed')),
          );
        const swept = sweep.get(target.address);
        if (swept) guard(swept, (value) => value && (measurement.ping = value));
        else if (checks.has('ping'))
          guard(
            probe('ping', () =>
              pingAddress(this.runner, target.address, { count, intervalMs: options.intervalMs ?? 200, timeoutMs, signal }),
            ),
            (value) => (measurement.ping = value),
          );
        if (checks.has('tcp') && ports.length > 0)
          guard(
            Promise.all(ports.map((port) => probe('tcp', () => tcpConnect(target.address, port, timeoutMs, signal)))),
            (value) => (measurement.tcp = value),
          );
        if (checks.has('dns') && !isStrictIpv4(target.target))
          guard(
            probe('dns', () => resolveName(target.target, { timeoutMs })),
            (value) => (measurement.dns = value),
          );
        if (checks.has('http')) {
          const scheme = options.httpScheme ?? 'http';
          guard(
            probe('http', () =>
              httpProbe({
                scheme,
                host: target.target,
                address: target.address,
                port: options.httpPort ?? (scheme === 'https' ? 443 : 80),
                path: options.httpPath ?? '/',
                timeoutMs: Math.max(timeoutMs, 2_000),
                signal,
              }),
            ),
            (value) => (measurement.http = value),
          );
        }
        if (checks.has('path')) {
          const measureHops = (addresses: string[]) => this.measureHops(addresses, signal);
          guard(
            probe('path', () =>
              tracePath(this.runner, target.address, {
                maxHops: options.maxHops ?? 15,
                timeoutMs: Math.min(settings.maxRunMs, 30_000),
                signal,
                measureHops,
              }),
            ),
            (value) => (measurement.path = value),
          );
        }
        await Promise.all(work);
        return measurement;
      }),
    );
    const english = createTranslator('en');
    const findings = rankFindings(measurements.flatMap((measurement) => targetFindings(measurement, english)));
    const durationMs = Math.round(performance.now() - started);
    const timedOut = deadline.aborted;
    if (timedOut)
      findings.unshift(
        makeFinding('*', { severity: 'warning', check: 'run', code: 'run.timedOut', params: { maxRunMs: settings.maxRunMs } }, english),
      );
    const severity = worstSeverity(findings);
    this.metrics.runs.inc({ status: severity });
    this.metrics.runDuration.observe(durationMs / 1000);
    return {
      createdAt: new Date().toISOString(),
      targets: resolved.map((target) => target.target),
      checks: [...checks],
      worstSeverity: severity,
      summary: summarise(findings, resolved.length),
      findings,
      measurements,
      durationMs,
      peakConcurrency: limiter.peak,
      timedOut,
    };
  }

  /** Whether fping is installed (checked once per analyzer, the one of this process). */
  private fpingAvailable(): Promise<boolean> {
    this.fping ??= detectFping();
    return this.fping;
  }

  /** Lowest RTT of five probes to each allowlisted hop (others are left as tracepath saw them). */
  private async measureHops(addresses: string[], signal: AbortSignal): Promise<Map<string, number | null>> {
    const allowed = addresses.filter((address) => this.allowlist.allowsAddress(address));
    if (allowed.length === 0) return new Map();
    this.metrics.probes.inc({ check: 'ping' });
    const options = { count: 5, intervalMs: 20, timeoutMs: 1_000, signal };
    const results = (await this.fpingAvailable())
      ? await fpingAddresses(this.runner, allowed, options)
      : await Promise.all(allowed.map((address) => pingAddress(this.runner, address, options)));
    return new Map(results.map((result) => [result.address, result.rttMs?.min ?? null]));
  }

  private refuse(message: string, reason: RefusalReason, params: FindingParams): NetworkRefusal {
    this.metrics.refusals.inc({ reason: 'bounds' });
    return new NetworkRefusal('validation_error', message, reason, params);
  }
}
