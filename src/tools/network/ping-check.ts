/**
 * ICMP reachability with iputils ping: loss, min/avg/max and jitter (mean difference of
 * consecutive round trips, RFC 3550 style) parsed from its output.
 */
import type { CommandRunner } from './command-runner.js';
import { isStrictIpv4 } from './target-allowlist.js';

/** Measured reachability of one address. */
export interface PingResult {
  address: string;
  sent: number;
  received: number;
  lossPercent: number;
  rttMs: { min: number; avg: number; median: number; max: number; jitter: number } | null;
  samplesMs: number[];
  error?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Parses iputils ping output (numeric mode). */
export function parsePingOutput(address: string, output: string): PingResult {
  const samplesMs = [...output.matchAll(/icmp_seq=\d+ ttl=\d+ time=([\d.]+) ms/g)].map((match) => Number(match[1]));
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(output);
  const sent = counts ? Number(counts[1]) : 0;
  const received = counts ? Number(counts[2]) : samplesMs.length;
  const lossPercent = sent === 0 ? 100 : Math.round(((sent - received) / sent) * 1000) / 10;
  if (samplesMs.length === 0) return { address, sent, received, lossPercent, rttMs: null, samplesMs };
  const sum = samplesMs.reduce((total, value) => total + value, 0);
  let differences = 0;
  for (let index = 1; index < samplesMs.length; index += 1) differences += Math.abs(samplesMs[index]! - samplesMs[index - 1]!);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    address,
    sent,
    received,
    lossPercent,
    rttMs: {
      min: round(Math.min(...samplesMs)),
      avg: round(sum / samplesMs.length),
      median: round(median(samplesMs)),
      max: round(Math.max(...samplesMs)),
      jitter: round(samplesMs.length > 1 ? differences / (samplesMs.length - 1) : 0),
    },
    samplesMs,
  };
}

/** Options of one ping run (already bounded by the caller). */
export interface PingOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Pings one validated IPv4 address. */
export async function pingAddress(runner: CommandRunner, address: string, options: PingOptions): Promise<PingResult> {
  if (!isStrictIpv4(address)) throw new Error(`ping: ${address} is not an IPv4 address`);
  const rootOnlyFloor = process.getuid?.() === 0 ? 10 : 200;
  const intervalMs = Math.max(rootOnlyFloor, options.intervalMs);
  const waitSeconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const deadlineSeconds = Math.ceil((options.count * intervalMs) / 1000) + waitSeconds;
  // No -w: with a deadline, iputils keeps sending until `count` replies arrive, which would hide loss.
  const args = ['-n', '-c', String(options.count), '-i', (intervalMs / 1000).toFixed(3), '-W', String(waitSeconds), address];
  const output = await runner('ping', args, { timeoutMs: (deadlineSeconds + 2) * 1000, signal: options.signal });
  const result = parsePingOutput(address, output.stdout);
  if (output.exitCode > 1) result.error = output.stderr.trim().split('\n')[0] || `ping exited with ${output.exitCode}`;
  return result;
}
