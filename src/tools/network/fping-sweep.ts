/**
 * Reachability of many hosts at once with fping (one process, probes interleaved), instead
 * of one ping process per host: a /24 sweep costs one process, not 254. Falls back to the
 * per-host ping engine where fping is not installed.
 */
import { access } from 'node:fs/promises';
import type { CommandRunner } from './command-runner.js';
import { parsePingOutput, type PingResult } from './ping-check.js';
import { isStrictIpv4 } from './target-allowlist.js';

/** Whether fping is installed (its owner, the analyzer, asks once and keeps the answer). */
export function detectFping(): Promise<boolean> {
  return access('/usr/bin/fping').then(
    () => true,
    () =>
      access('/usr/sbin/fping').then(
        () => true,
        () => false,
      ),
  );
}

/** Parses `fping -C N -q` output lines (`host : 10.1 10.3 -`), one PingResult per address. */
export function parseFpingOutput(addresses: string[], output: string, count: number): PingResult[] {
  const samples = new Map<string, Array<number | null>>();
  for (const line of output.split('\n')) {
    const match = /^(\S+)\s*:\s*([\d.\s-]+)$/.exec(line.trim());
    if (match)
      samples.set(
        match[1]!,
        match[2]!
          .trim()
          .split(/\s+/)
          .map((value) => (value === '-' ? null : Number(value))),
      );
  }
  return addresses.map((address) => {
    const values = samples.get(address) ?? [];
    const received = values.filter((value): value is number => value !== null);
    // Reuse the ping parser so both engines report the same statistics.
    const lines = received.map((value, index) => `64 bytes from ${address}: icmp_seq=${index + 1} ttl=64 time=${value} ms`);
    return parsePingOutput(address, `${lines.join('\n')}\n${count} packets transmitted, ${received.length} received\n`);
  });
}

/** Pings every address `count` times with one fping process. */
export async function fpingAddresses(
  runner: CommandRunner,
  addresses: string[],
  options: { count: number; intervalMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<PingResult[]> {
  if (addresses.some((address) => !isStrictIpv4(address))) throw new Error('fping: only IPv4 addresses');
  const root = process.getuid?.() === 0;
  const perHostMs = Math.max(root ? 10 : 20, options.intervalMs);
  const args = [
    '-C',
    String(options.count),
    '-q',
    '-r',
    '0',
    '-p',
    String(perHostMs),
    '-i',
    root ? '1' : '10',
    '-t',
    String(options.timeoutMs),
    ...addresses,
  ];
  const budgetMs = addresses.length * 10 + options.count * perHostMs + options.timeoutMs + 5_000;
  const output = await runner('fping', args, { timeoutMs: budgetMs, signal: options.signal });
  return parseFpingOutput(addresses, `${output.stdout}\n${output.stderr}`, options.count);
}
