/**
 * Snapshots and comparisons: the commands that clear a device, the commands that rebuild a
 * captured state exactly, the read-back check of an applied plan and the human diff. A
 * state we cannot rebuild faithfully is refused before anything changes.
 */
import type { ExpectedState } from './compiler.js';
import { isDefaultRoot, type LiveState } from './tc-state.js';
import { QosRefusedError } from './validation.js';
import { humanRate } from './units.js';

/** Commands removing our kind of configuration (root tree and ingress qdisc) from a device. */
export function clearCommands(state: LiveState): string[][] {
  const commands: string[][] = [];
  const root = state.qdiscs.find((qdisc) => qdisc.parent === 'root');
  if (!isDefaultRoot(root)) commands.push(['qdisc', 'del', 'dev', state.device, 'root']);
  if (state.qdiscs.some((qdisc) => qdisc.parent === 'ingress')) commands.push(['qdisc', 'del', 'dev', state.device, 'ingress']);
  return commands;
}

function hexMinor(value: unknown): string {
  return Number.parseInt(String(value), 16).toString(16);
}

/** Commands that rebuild `state` on a cleared device; throws QosRefusedError when it cannot. */
export function restoreCommands(state: LiveState): string[][] {
  const device = state.device;
  const unsupported: string[] = [];
  const commands: string[][] = [];
  const root = state.qdiscs.find((qdisc) => qdisc.parent === 'root');
  if (!isDefaultRoot(root)) {
    if (root!.kind === 'htb') {
      const args = ['qdisc', 'add', 'dev', device, 'root', 'handle', root!.handle, 'htb'];
      if (root!.options.default !== undefined && hexMinor(root!.options.default) !== '0')
        args.push('default', hexMinor(root!.options.default));
      if (root!.options.r2q !== undefined && root!.options.r2q !== 10) args.push('r2q', String(root!.options.r2q));
      commands.push(args);
    } else if (root!.kind === 'pfifo') {
      commands.push(['qdisc', 'add', 'dev', device, 'root', 'handle', root!.handle, 'pfifo', 'limit', String(root!.options.limit ?? 1000)]);
    } else unsupported.push(`root qdisc ${root!.kind}`);
  }
  if (state.qdiscs.some((qdisc) => qdisc.parent === 'ingress'))
    commands.push(['qdisc', 'add', 'dev', device, 'handle', 'ffff:', 'ingress']);
  const depth = (id: string): number => {
    const item = state.classes.find((candidate) => candidate.id === id);
    return !item || item.parent === 'root' ? 0 : 1 + depth(item.parent);
  };
  for (const item of [...state.classes].sort((a, b) => depth(a.id) - depth(b.id))) {
    if (item.kind !== 'htb' || item.rate === undefined) {
      unsupported.push(`class ${item.id} (${item.kind})`);
      continue;
    }
    const args = [
      'class',
      'add',
      'dev',
      device,
      'parent',
      item.parent === 'root' ? root!.handle : item.parent,
      'classid',
      item.id,
      'htb',
      'rate',
      `${item.rate}bit`,
      'ceil',
      `${item.ceil ?? item.rate}bit`,
    ];
    if (item.burst) args.push('burst', `${item.burst}b`);
    if (item.cburst) args.push('cburst', `${item.cburst}b`);
    if (item.priority !== undefined) args.push('prio', String(item.priority));
    commands.push(args);
  }
  for (const qdisc of state.qdiscs) {
    if (qdisc.parent === 'root' || qdisc.parent === 'ingress') continue;
    if (qdisc.kind === 'pfifo')
      commands.push([
        'qdisc',
        'add',
        'dev',
        device,
        'parent',
        qdisc.parent,
        'handle',
        qdisc.handle,
        'pfifo',
        'limit',
        String(qdisc.options.limit ?? 1000),
      ]);
    else unsupported.push(`leaf qdisc ${qdisc.handle} (${qdisc.kind})`);
  }
  for (const filter of state.filters) {
    const head = ['filter', 'add', 'dev', device, 'parent', filter.parent, 'protocol', filter.protocol, 'prio', String(filter.priority)];
    const actions: string[] = [];
    for (const action of filter.actions) {
      if (action.kind === 'mirred' && typeof action.to_dev === 'string')
        actions.push(
          'action',
          'mirred',
          String(action.direction ?? 'egress'),
          String(action.mirred_action ?? 'redirect'),
          'dev',
          action.to_dev,
        );
      else unsupported.push(`filter action ${String(action.kind)}`);
    }
    if (filter.kind === 'u32' && filter.matches && filter.matches.every((match) => match.offmask === '')) {
      const matches = filter.matches.flatMap((match) => [
        'match',
        'u32',
        `0x${match.value}`,
        `0x${match.mask}`,
        'at',
        String(match.offset),
      ]);
      commands.push([...head, 'u32', ...matches, ...(filter.flowid ? ['flowid', filter.flowid] : []), ...actions]);
    } else if (filter.kind === 'bpf' && filter.bytecode) {
      commands.push([...head, 'bpf', 'bytecode', filter.bytecode, ...(filter.flowid ? ['classid', filter.flowid] : []), ...actions]);
    } else unsupported.push(`filter prio ${filter.priority} (${filter.kind})`);
  }
  if (unsupported.length > 0) {
    throw new QosRefusedError(
      `The current configuration of ${device} cannot be snapshotted faithfully, so it would not be possible to roll back`,
      unsupported.map((item) => `unsupported ${item}`),
    );
  }
  return commands;
}

/** Differences between what the plan expects and what the kernel shows (empty = verified). */
export function verifyApplied(expected: ExpectedState, live: LiveState): string[] {
  const problems: string[] = [];
  for (const qdisc of expected.qdiscs) {
    const found = live.qdiscs.find((candidate) => candidate.handle === qdisc.handle);
    if (!found) problems.push(`qdisc ${qdisc.handle} (${qdisc.kind}) is missing`);
    else if (found.kind !== qdisc.kind || found.parent !== qdisc.parent)
      problems.push(`qdisc ${qdisc.handle} is ${found.kind} under ${found.parent}, expected ${qdisc.kind} under ${qdisc.parent}`);
  }
  const classes = new Map(live.classes.map((item) => [item.id, item]));
  for (const item of expected.classes) {
    const found = classes.get(item.id);
    const close = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= b * 0.01;
    if (!found) problems.push(`class ${item.id} is missing`);
    else if (!close(found.rate, item.rate) || !close(found.ceil, item.ceil))
      problems.push(
        `class ${item.id} has rate ${humanRate(found.rate ?? 0)} ceil ${humanRate(found.ceil ?? 0)}, expected ${humanRate(item.rate)} ceil ${humanRate(item.ceil)}`,
      );
  }
  for (const filter of expected.filters) {
    const found = live.filters.find((candidate) => candidate.parent === filter.parent && candidate.priority === filter.priority);
    if (!found) problems.push(`filter prio ${filter.priority} is missing`);
    else if (found.flowid !== filter.flowid || found.kind !== filter.kind)
      problems.push(
        `filter prio ${filter.priority} goes to ${found.flowid ?? 'nowhere'} via ${found.kind}, expected ${filter.flowid} via ${filter.kind}`,
      );
  }
  return problems;
}

function describeLive(state: LiveState): string[] {
  return [
    ...state.qdiscs.filter((qdisc) => qdisc.handle !== '0:').map((qdisc) => `qdisc ${qdisc.handle} ${qdisc.kind} parent ${qdisc.parent}`),
    ...state.classes.map(
      (item) =>
        `class ${item.id} parent ${item.parent === 'root' ? '1:' : item.parent} rate ${humanRate(item.rate ?? 0)} ceil ${humanRate(item.ceil ?? 0)}`,
    ),
    ...state.filters.map(
      (filter) =>
        `filter parent ${filter.parent} prio ${filter.priority} ${filter.kind} -> ${filter.flowid ?? filter.actions.map((action) => String(action.kind)).join(',')}`,
    ),
  ];
}

function describeExpected(expected: ExpectedState): string[] {
  return [
    ...expected.qdiscs.map((qdisc) => `qdisc ${qdisc.handle} ${qdisc.kind} parent ${qdisc.parent}`),
    ...expected.classes.map((item) => `class ${item.id} parent ${item.parent} rate ${humanRate(item.rate)} ceil ${humanRate(item.ceil)}`),
    ...expected.filters.map((filter) => `filter parent ${filter.parent} prio ${filter.priority} ${filter.kind} -> ${filter.flowid}`),
  ];
}

/** A line diff of the device now vs after the plan: "-" removed, "+" added. */
export interface StateDiff {
  removed: string[];
  added: string[];
  unchanged: number;
}

/** Computes the diff shown in plans. */
export function diffStates(live: LiveState, expected: ExpectedState): StateDiff {
  const before = describeLive(live);
  const after = describeExpected(expected);
  const beforeSet = new Set(before);
  const afterSet = new Set(after);
  return {
    removed: before.filter((line) => !afterSet.has(line)),
    added: after.filter((line) => !beforeSet.has(line)),
    unchanged: after.filter((line) => beforeSet.has(line)).length,
  };
}
