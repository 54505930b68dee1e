/**
 * Reads what the kernel has on a device (`tc -j qdisc show`, `tc -s class show`,
 * `tc -j filter show`) into one normalised shape: the basis of diffs, snapshots, read-back
 * verification and `qos show`. HTB classes are read from text because iproute2 6.1 prints
 * no JSON for them; u32 filters repeat the "match" key in JSON, which is handled here.
 */
import type { CommandRunner } from './tc-runner.js';
import { parseTcRate, parseTcSize } from './units.js';

/** A qdisc as the kernel reports it. */
export interface LiveQdisc {
  kind: string;
  handle: string;
  /** "root", "ingress" or the parent class id. */
  parent: string;
  options: Record<string, unknown>;
}

/** Per-class counters. */
export interface ClassStatistics {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  backlogBytes: number;
  backlogPackets: number;
}

/** An HTB class. */
export interface LiveClass {
  kind: string;
  id: string;
  parent: string;
  rate?: number;
  ceil?: number;
  burst?: number;
  cburst?: number;
  priority?: number;
  leaf?: string;
  statistics?: ClassStatistics;
}

/** A filter, with enough detail to recreate it. */
export interface LiveFilter {
  parent: string;
  protocol: string;
  priority: number;
  kind: string;
  flowid?: string;
  handle?: string;
  matches?: { value: string; mask: string; offset: number; offmask: string }[];
  bytecode?: string;
  actions: Record<string, unknown>[];
}

/** Everything on one device. */
export interface LiveState {
  device: string;
  qdiscs: LiveQdisc[];
  classes: LiveClass[];
  filters: LiveFilter[];
}

/** True for the kernel's own default root (noqueue, pfifo_fast, mq…), which has handle 0:. */
export function isDefaultRoot(qdisc: LiveQdisc | undefined): boolean {
  return qdisc === undefined || qdisc.handle === '0:';
}

function parseJson(text: string): unknown[] {
  let counter = 0;
  const renamed = text.replace(/"match":\{/g, () => `"match_${counter++}":{`);
  const trimmed = renamed.trim();
  return trimmed === '' ? [] : (JSON.parse(trimmed) as unknown[]);
}

/** Parses `tc -s class show` text. */
export function parseClassText(text: string): LiveClass[] {
  const classes: LiveClass[] = [];
  let current: LiveClass | undefined;
  for (const line of text.split('\n')) {
    const head = /^class (\S+) (\S+) (root|parent (\S+))(?: leaf (\S+))?(.*)$/.exec(line);
    if (head) {
      current = { kind: head[1]!, id: head[2]!, parent: head[4] ?? 'root' };
      if (head[5]) current.leaf = head[5];
      const rest = head[6]!;
      const field = (name: string) => new RegExp(`\\b${name} (\\S+)`).exec(rest)?.[1];
      const rate = field('rate');
      const ceil = field('ceil');
      const burst = field('burst');
      const cburst = field('cburst');
      const priority = field('prio');
      if (rate) current.rate = parseTcRate(rate);
      if (ceil) current.ceil = parseTcRate(ceil);
      if (burst) current.burst = parseTcSize(burst);
      if (cburst) current.cburst = parseTcSize(cburst);
      if (priority !== undefined) current.priority = Number(priority);
      classes.push(current);
      continue;
    }
    if (!current) continue;
    const sent = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/.exec(line);
    if (sent) {
      current.statistics = {
        bytes: Number(sent[1]),
        packets: Number(sent[2]),
        drops: Number(sent[3]),
        overlimits: Number(sent[4]),
        backlogBytes: 0,
        backlogPackets: 0,
      };
    }
    const backlog = /backlog (\S+) (\d+)p/.exec(line);
    if (backlog && current.statistics) {
      current.statistics.backlogBytes = parseTcSize(backlog[1]!);
      current.statistics.backlogPackets = Number(backlog[2]);
    }
  }
  return classes.sort((a, b) => a.id.localeCompare(b.id));
}

function parseFilters(text: string, parent: string): LiveFilter[] {
  const filters: LiveFilter[] = [];
  for (const entry of parseJson(text) as Record<string, unknown>[]) {
    const options = entry.options as Record<string, unknown> | undefined;
    if (!options) continue;
    if (entry.kind === 'u32' && typeof options.fh === 'string' && options.fh.endsWith(':')) continue;
    const filter: LiveFilter = {
      parent,
      protocol: String(entry.protocol),
      priority: Number(entry.pref),
      kind: String(entry.kind),
      actions: ((options.actions as Record<string, unknown>[] | undefined) ?? []).map((action) => ({
        kind: action.kind,
        to_dev: action.to_dev,
        mirred_action: action.mirred_action,
        direction: action.direction,
      })),
    };
    if (options.flowid) filter.flowid = String(options.flowid);
    if (options.classid) filter.flowid = String(options.classid);
    if (options.handle && entry.kind !== 'u32') filter.handle = String(options.handle);
    const matches = Object.entries(options)
      .filter(([key]) => key.startsWith('match_'))
      .map(([, value]) => {
        const match = value as { value: string; mask: string; off: number; offmask: string };
        return { value: match.value, mask: match.mask, offset: match.off, offmask: match.offmask };
      });
    if (matches.length > 0) filter.matches = matches;
    const bytecode = options.bytecode as { length: number; insns: { code: number; jt: number; jf: number; k: number }[] } | undefined;
    if (bytecode)
      filter.bytecode = `${bytecode.length},${bytecode.insns.map((insn) => `${insn.code} ${insn.jt} ${insn.jf} ${insn.k}`).join(',')}`;
    filters.push(filter);
  }
  return filters;
}

/** Reads the whole tc state of a device. */
export async function readLiveState(runner: CommandRunner, device: string, signal?: AbortSignal): Promise<LiveState> {
  const options = signal ? { signal } : {};
  const qdiscs = (parseJson(await runner.run('tc', ['-j', 'qdisc', 'show', 'dev', device], options)) as Record<string, unknown>[]).map(
    (entry) => {
      const parent = entry.root ? 'root' : entry.parent === 'ffff:fff1' ? 'ingress' : String(entry.parent);
      const qdiscOptions = { ...((entry.options as Record<string, unknown> | undefined) ?? {}) };
      delete qdiscOptions.direct_packets_stat;
      return { kind: String(entry.kind), handle: String(entry.handle), parent, options: qdiscOptions };
    },
  );
  const root = qdiscs.find((qdisc) => qdisc.parent === 'root');
  const hasClasses = !isDefaultRoot(root) && qdiscs.length > 0;
  const classes = hasClasses ? parseClassText(await runner.run('tc', ['-s', 'class', 'show', 'dev', device], options)) : [];
  const filters: LiveFilter[] = [];
  if (root && !isDefaultRoot(root))
    filters.push(
      ...parseFilters(await runner.run('tc', ['-j', 'filter', 'show', 'dev', device, 'parent', root.handle], options), root.handle),
    );
  if (qdiscs.some((qdisc) => qdisc.parent === 'ingress'))
    filters.push(...parseFilters(await runner.run('tc', ['-j', 'filter', 'show', 'dev', device, 'parent', 'ffff:'], options), 'ffff:'));
  return { device, qdiscs, classes, filters };
}

/**
 * True when two states hold the same configuration. Burst sizes are compared loosely: the
 * kernel stores them as transmit time, so at Gbit rates a re-entered burst reads back a few
 * hundred bytes off; everything else (tree, kinds, rates, filters, keys) must be identical.
 */
export function sameConfiguration(a: LiveState, b: LiveState): boolean {
  const strip = (state: LiveState) => ({
    ...state,
    classes: state.classes.map((item) => ({ ...item, burst: undefined, cburst: undefined, statistics: undefined })),
  });
  if (canonicalState(strip(a)) !== canonicalState(strip(b))) return false;
  const near = (x: number | undefined, y: number | undefined) =>
    x === y || (x !== undefined && y !== undefined && Math.abs(x - y) <= Math.max(512, 0.2 * Math.max(x, y)));
  return a.classes.every((item, index) => near(item.burst, b.classes[index]?.burst) && near(item.cburst, b.classes[index]?.cburst));
}

/** The state without counters and kernel bookkeeping: equal iff the configuration is equal. */
export function canonicalState(state: LiveState): string {
  return JSON.stringify({
    qdiscs: state.qdiscs.map((qdisc) => ({
      ...qdisc,
      options: Object.fromEntries(Object.entries(qdisc.options).filter(([key]) => key !== 'refcnt')),
    })),
    classes: state.classes.map((item) => ({ ...item, statistics: undefined })),
    filters: state.filters,
  });
}
