/**
 * What the benches read from /proc about processes and the machine: a process's resident
 * memory and CPU time, and the machine's busy and total CPU ticks. One place, so every bench
 * parses these files the same way (Linux only, like the machines the benches run on).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU counters (USER_HZ). */
export const TICKS_PER_SECOND = 100;

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status), 0 when absent. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** User + system CPU of a process so far, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function processCpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The machine's CPU ticks so far, all cores: busy (everything but idle and iowait) and total. */
export function machineCpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}
