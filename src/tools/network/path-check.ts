/**
 * Path analysis: tracepath's per-hop latency and path MTU, the hop that adds the most
 * latency, and the kernel's route for the destination (`ip -j route get`).
 */
import type { CommandRunner } from './command-runner.js';
import { isStrictIpv4 } from './target-allowlist.js';

/** One hop of a path. */
export interface PathHop {
  hop: number;
  address: string | null;
  latencyMs: number | null;
  /** Latency this hop adds over the previous answering hop. */
  addedMs: number | null;
}

/** What tracepath found. */
export interface PathResult {
  address: string;
  hops: PathHop[];
  reached: boolean;
  pathMtu: number | null;
  slowestHop: PathHop | null;
  route: { dev?: string; gateway?: string; prefsrc?: string } | null;
  error?: string;
}

/** Parses `tracepath -n` output, keeping the lowest latency seen per hop. */
export function parseTracepath(address: string, output: string): Omit<PathResult, 'route'> {
  const byHop = new Map<number, { address: string | null; latencyMs: number | null }>();
  let reached = false;
  let pathMtu: number | null = null;
  for (const line of output.split('\n')) {
    const resume = /Resume: pmtu (\d+)/.exec(line);
    if (resume) pathMtu = Number(resume[1]);
    const hop = /^\s*(\d+)\??:\s+(\S+)\s+(?:([\d.]+)ms)?(.*)$/.exec(line);
    // "pmtu N" lines come from the previous hop reporting a smaller MTU, not from this hop.
    if (!hop || hop[2] === '[LOCALHOST]' || (/pmtu \d+/.test(hop[4] ?? '') && !/reached/.test(hop[4] ?? ''))) continue;
    const number = Number(hop[1]);
    const hopAddress = hop[2] === 'no' ? null : hop[2]!;
    const latency = hop[3] ? Number(hop[3]) : null;
    if (/reached/.test(hop[4] ?? '')) reached = true;
    const known = byHop.get(number);
    if (!known) byHop.set(number, { address: hopAddress, latencyMs: latency });
    else if (latency !== null && (known.latencyMs === null || latency < known.latencyMs))
      byHop.set(number, { address: hopAddress ?? known.address, latencyMs: latency });
  }
  const ordered = [...byHop.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([hop, value]) => ({ hop, address: value.address, latencyMs: value.latencyMs, addedMs: null }));
  return { address, reached, pathMtu, ...withAddedLatency(ordered) };
}

/** Looks up the route the kernel would use for an address. */
export async function routeFor(runner: CommandRunner, address: string, signal?: AbortSignal): Promise<PathResult['route']> {
  if (!isStrictIpv4(address)) throw new Error(`route get: ${address} is not an IPv4 address`);
  const output = await runner('ip', ['-j', 'route', 'get', address], { timeoutMs: 5_000, signal });
  if (output.exitCode !== 0) return null;
  const [route] = JSON.parse(output.stdout || '[]') as Array<{ dev?: string; gateway?: string; prefsrc?: string }>;
  return route ? { dev: route.dev, gateway: route.gateway, prefsrc: route.prefsrc } : null;
}

/** Recomputes each hop's added latency and the slowest hop from per-hop latencies. */
export function withAddedLatency(hops: PathHop[]): { hops: PathHop[]; slowestHop: PathHop | null } {
  let previous = 0;
  const updated = hops.map((hop) => {
    const addedMs = hop.latencyMs === null ? null : Math.round((hop.latencyMs - previous) * 1000) / 1000;
    if (hop.latencyMs !== null) previous = hop.latencyMs;
    return { ...hop, addedMs };
  });
  const slowestHop = updated.reduce<PathHop | null>(
    (slowest, hop) => (hop.addedMs !== null && (slowest === null || hop.addedMs > (slowest.addedMs ?? 0)) ? hop : slowest),
    null,
  );
  return { hops: updated, slowestHop };
}

/** Options of a path trace. */
export interface TraceOptions {
  maxHops: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Re-measures allowlisted hops with several probes each (lowest RTT kept), since tracepath
   * sends one probe per hop; hops outside the allowlist are never probed directly.
   */
  measureHops?: (addresses: string[]) => Promise<Map<string, number | null>>;
}

/** Traces the path to one validated address. */
export async function tracePath(runner: CommandRunner, address: string, options: TraceOptions): Promise<PathResult> {
  if (!isStrictIpv4(address)) throw new Error(`tracepath: ${address} is not an IPv4 address`);
  const [trace, route] = await Promise.all([
    runner('tracepath', ['-n', '-m', String(options.maxHops), address], { timeoutMs: options.timeoutMs, signal: options.signal }),
    routeFor(runner, address, options.signal),
  ]);
  let parsed = parseTracepath(address, trace.stdout);
  const addresses = parsed.hops.flatMap((hop) => (hop.address && isStrictIpv4(hop.address) ? [hop.address] : []));
  if (options.measureHops && addresses.length > 0) {
    const measured = await options.measureHops([...new Set(addresses)]);
    const hops = parsed.hops.map((hop) => {
      const latency = hop.address ? measured.get(hop.address) : undefined;
      return typeof latency === 'number' ? { ...hop, latencyMs: latency } : hop;
    });
    parsed = { ...parsed, ...withAddedLatency(hops) };
  }
  return {
    ...parsed,
    route,
    ...(trace.timedOut
      ? { error: `tracepath stopped after ${options.timeoutMs} ms` }
      : trace.exitCode > 1
        ? { error: trace.stderr.trim().split('\n')[0] }
        : {}),
  };
}
