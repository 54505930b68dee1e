/**
 * CPU profiles of the server while a bench drives one path (the V8 sampling profiler through
 * node:inspector: the same data as `node --cpu-prof`, but per path), and their summary: top
 * functions by self time, by inclusive time, and self time per package (Prisma, Express,
 * pino, pg, Vigie's own code, GC, idle). `tsx bench/support/cpu-profile.ts FILE.cpuprofile`
 * summarises any profile, `--cpu-prof` ones included.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The V8 CPU profile format (.cpuprofile). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of a summary: a share of the sampled time in percent. */
export interface ProfileEntry {
  name: string;
  percent: number;
}

/** What a summary holds. */
export interface ProfileSummary {
  sampledMs: number;
  selfTop: ProfileEntry[];
  inclusiveTop: ProfileEntry[];
  byPackage: ProfileEntry[];
}

/** Runs `work` under the sampling profiler of this thread and writes the profile to `file`. */
export async function profileWhile<T>(file: string, work: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    writeFileSync(file, JSON.stringify(profile));
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The package a frame belongs to: `node_modules/<pkg>`, `vigie:<dir>` for our code, or V8's own. */
function packageOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url;
  if (!url) return `(${frame.functionName || 'native'})`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  const source = url.indexOf('/src/');
  if (source >= 0)
    return `vigie:${url
      .slice(source + 5)
      .split('/')
      .slice(0, 2)
      .join('/')}`;
  if (url.includes('/bench/')) return 'bench';
  return path.basename(url);
}

function label(frame: ProfileNode['callFrame']): string {
  const file = frame.url ? `${packageOf(frame)}:${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${file}`.trim();
}

/** Summarises a profile: top `count` by self and inclusive time, and self time per package. */
export function summarizeProfile(profile: CpuProfile, count = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((sample, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const node = byId.get(sample);
    if (!node) return;
    self.set(label(node.callFrame), (self.get(label(node.callFrame)) ?? 0) + delta);
    packages.set(packageOf(node.callFrame), (packages.get(packageOf(node.callFrame)) ?? 0) + delta);
    // Inclusive: each function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = label(byId.get(id)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => ({ name, percent: Math.round((time / Math.max(total, 1)) * 1000) / 10 }));
  return { sampledMs: Math.round(total / 1000), selfTop: top(self), inclusiveTop: top(inclusive), byPackage: top(packages) };
}

/** Prints a summary as a few readable lines. */
export function formatSummary(title: string, summary: ProfileSummary): string {
  const lines = (entries: ProfileEntry[]) =>
    entries.map((entry) => `    ${entry.percent.toFixed(1).padStart(5)} %  ${entry.name}`).join('\n');
  return [
    `${title} (${summary.sampledMs} ms sampled)`,
    '  self time by package:',
    lines(summary.byPackage),
    '  top self time:',
    lines(summary.selfTop),
    '  top inclusive time:',
    lines(summary.inclusiveTop),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of process.argv.slice(2)) {
    process.stdout.write(formatSummary(file, summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 20)) + '\n');
  }
}
