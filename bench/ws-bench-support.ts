/**
 * Shared parts of `npm run bench:ws` (bench/ws-bench.ts and its gap-recovery and
 * sequence-cost parts): Vigie nodes as processes on a cloned database, client connections
 * in batches, percentiles.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { cloneDatabase, startNode, type NodeProcess } from '../test/realtime/support/cluster.js';
import { machineCpuTicks, processCpuTicks, TICKS_PER_SECOND } from './support/proc-stats.js';

export const CLIENTS = Number(process.env.WS_BENCH_CLIENTS ?? 2_000);
export const ROOM_SIZE = Number(process.env.WS_BENCH_ROOM_SIZE ?? 100);
export const PHASE_MS = Number(process.env.WS_BENCH_PHASE_MS ?? 4_000);
export const WINDOW = Number(process.env.WS_BENCH_WINDOW ?? 4); // in-flight sends per room when saturating
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const ROOMS = Math.max(1, Math.floor(CLIENTS / ROOM_SIZE));
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server under test: its URLs, process ids, admin token and how to stop it. */
export interface Target {
  urls: string[];
  pids: number[];
  token?: string;
  /** The cloned database's URL (Vigie only). */
  databaseUrl?: string;
  kind: 'bare' | 'vigie';
  stop(): Promise<void>;
}

/** The value at `fraction` of an ascending list. */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/** Rounded for the JSON line. */
export function round(value: number, digits = 2): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}

/** `nodes` Vigie nodes (bench/ws-node.ts: no agent) on one fresh cloned database, sharing `redisUrl` when given. */
export async function startVigie(nodes: number, redisUrl?: string): Promise<Target> {
  const database = await cloneDatabase(DATABASE_URL);
  const token = `vig_bench_${randomUUID().replaceAll('-', '')}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    ADMIN_TOKEN: token,
    SOCKET_EVENTS_PER_MINUTE: '10000000',
    RATE_LIMIT_TOKEN_PER_MINUTE: '10000000',
    RATE_LIMIT_IP_PER_MINUTE: '10000000',
    LOG_LEVEL: 'error',
    REDIS_URL: redisUrl ?? '',
  };
  const started: NodeProcess[] = [];
  const script = process.env.WS_BENCH_WITH_AGENT === '1' ? undefined : path.join(import.meta.dirname, 'ws-node.ts');
  for (let index = 0; index < nodes; index += 1) started.push(await startNode(env, 120_000, script));
  return {
    urls: started.map((node) => node.url),
    databaseUrl: database.url,
    pids: started.map((node) => node.child.pid!),
    token,
    kind: 'vigie',
    async stop() {
      await Promise.all(started.map((node) => node.stop()));
      await database.drop();
    },
  };
}

/** One connected socket.io client (websocket only, no reconnection). */
export function connect(url: string, token?: string): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
    ...(token ? { auth: { token } } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** `make(0…count-1)`, `batch` at a time. */
export async function inBatches<T>(count: number, batch: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += batch) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - start) }, (_, offset) => make(start + offset)))));
  }
  return results;
}

/** Cumulative CPU ticks of the whole machine and of some processes, to tell how busy a phase kept the cores. */
export interface CpuSample {
  busy: number;
  total: number;
  processes: number;
  at: number;
}

/** Reads /proc/stat (all cores) and /proc/<pid>/stat (utime + stime) of `pids` now. */
export function sampleCpu(pids: number[]): CpuSample {
  const processes = pids.reduce((sum, pid) => sum + processCpuTicks(pid), 0);
  return { ...machineCpuTicks(), processes, at: performance.now() };
}

/**
 * Between two samples: the share of all cores that was busy (1 = every core saturated) and the
 * cores the sampled processes used. The evidence for what a second node can add on this machine.
 */
export function cpuBetween(start: CpuSample, end: CpuSample): { machineBusyFraction: number; serverCores: number } {
  const seconds = (end.at - start.at) / 1000;
  return {
    machineBusyFraction: round((end.busy - start.busy) / Math.max(1, end.total - start.total), 3),
    serverCores: round((end.processes - start.processes) / TICKS_PER_SECOND / Math.max(seconds, 1e-3), 2),
  };
}
