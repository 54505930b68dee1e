/**
 * Policy → ordered tc argv lists and the equivalent `tc -batch` file. Pure: the same policy
 * and capabilities always give the same commands, so plans are reproducible and testable
 * without a kernel. The engine adds the "delete what is there" lines from the live state.
 */
import type { ResolvedPolicy, ResolvedClassifier } from './fallbacks.js';
import {
  rootHandle,
  shapingDevice,
  splitClassId,
  type Policy,
  type PolicyClass,
  type PolicyFilter,
  type PolicyMatch,
} from './policy-model.js';
import { formatRate } from './units.js';

/** What the compiler produced. */
export interface CompiledPolicy {
  /** Device the class tree is attached to (the interface, or its IFB for ingress). */
  device: string;
  /** `ip` argv lists run before tc (IFB creation for ingress). */
  preparation: string[][];
  /** tc argv lists in order (without the leading `tc`). */
  commands: string[][];
  /** The same commands as a `tc -batch` file. */
  batch: string;
  /** What the kernel must show afterwards, for read-back comparison. */
  expected: ExpectedState;
}

/** The parts of the live state an applied policy must produce. */
export interface ExpectedState {
  device: string;
  qdiscs: { handle: string; parent: string; kind: string }[];
  classes: { id: string; parent: string; rate: number; ceil: number }[];
  filters: { parent: string; priority: number; flowid: string; kind: string }[];
  ingress?: { device: string; redirectTo: string };
}

/** Leaf qdisc handle for a class: major = 0x100 + class minor, unique and clear of the root. */
export function leafHandle(item: PolicyClass): string {
  return `${(0x100 + splitClassId(item.id).minor).toString(16)}:`;
}

function quantumFor(item: PolicyClass): number {
  return item.quantum ?? Math.min(200_000, Math.max(1_514, Math.floor(item.rate / 8 / 10)));
}

function u32Matches(match: PolicyMatch): string[] {
  const parts: string[] = [];
  if (match.dscp !== undefined) parts.push('match', 'ip', 'dsfield', `0x${(match.dscp << 2).toString(16)}`, '0xfc');
  if (match.tos !== undefined) parts.push('match', 'ip', 'tos', `0x${match.tos.toString(16)}`, '0xff');
  if (match.source) parts.push('match', 'ip', 'src', withPrefix(match.source));
  if (match.destination) parts.push('match', 'ip', 'dst', withPrefix(match.destination));
  if (match.protocol) parts.push('match', 'ip', 'protocol', String({ tcp: 6, udp: 17, icmp: 1 }[match.protocol]), '0xff');
  if (match.sourcePort !== undefined) parts.push('match', 'ip', 'sport', String(match.sourcePort), '0xffff');
  if (match.destinationPort !== undefined) parts.push('match', 'ip', 'dport', String(match.destinationPort), '0xffff');
  return parts;
}

function flowerMatches(match: PolicyMatch): string[] {
  const parts: string[] = [];
  if (match.vlanId !== undefined) parts.push('vlan_id', String(match.vlanId), 'vlan_ethtype', 'ipv4');
  if (match.protocol) parts.push('ip_proto', match.protocol);
  if (match.source) parts.push('src_ip', withPrefix(match.source));
  if (match.destination) parts.push('dst_ip', withPrefix(match.destination));
  if (match.sourcePort !== undefined) parts.push('src_port', String(match.sourcePort));
  if (match.destinationPort !== undefined) parts.push('dst_port', String(match.destinationPort));
  if (match.dscp !== undefined) parts.push('ip_tos', `0x${(match.dscp << 2).toString(16)}/0xfc`);
  if (match.tos !== undefined) parts.push('ip_tos', `0x${match.tos.toString(16)}/0xff`);
  if (match.fwmark !== undefined) parts.push('skip_hw');
  return parts;
}

function withPrefix(cidr: string): string {
  return cidr.includes('/') ? cidr : `${cidr}/32`;
}

/** Classic BPF: load skb->mark, compare, return -1 (use the filter's classid) or 0 (no match). */
export function fwmarkBytecode(mark: number): string {
  return `4,32 0 0 4294963220,21 0 1 ${mark},6 0 0 4294967295,6 0 0 0`;
}

function filterCommand(device: string, parent: string, filter: PolicyFilter, classifier: ResolvedClassifier, police: boolean): string[] {
  const protocol = filter.match.vlanId !== undefined ? '802.1q' : 'ip';
  const head = ['filter', 'add', 'dev', device, 'parent', parent, 'protocol', protocol, 'prio', String(filter.priority)];
  const policer =
    police && filter.policeRate !== undefined
      ? [
          'action',
          'police',
          'rate',
          formatRate(filter.policeRate),
          'burst',
          `${Math.max(10_000, Math.floor(filter.policeRate / 8 / 50))}b`,
          'drop',
        ]
      : [];
  switch (classifier) {
    case 'u32':
      return [...head, 'u32', ...u32Matches(filter.match), 'flowid', filter.classId, ...policer];
    case 'flower':
      return [...head, 'flower', ...flowerMatches(filter.match), 'classid', filter.classId, ...policer];
    case 'fw':
      return [...head, 'handle', String(filter.match.fwmark), 'fw', 'classid', filter.classId, ...policer];
    case 'bpf':
      return [...head, 'bpf', 'bytecode', fwmarkBytecode(filter.match.fwmark ?? 0), 'classid', filter.classId, ...policer];
  }
}

/** One batch line; tokens with spaces (BPF bytecode) are double-quoted, which tc -batch reads. */
export function batchLine(argv: readonly string[]): string {
  return argv.map((token) => (token.includes(' ') ? `"${token}"` : token)).join(' ');
}

/** Compiles a policy already adjusted to the kernel. */
export function compilePolicy(resolved: ResolvedPolicy): CompiledPolicy {
  const policy: Policy = resolved.policy;
  const device = shapingDevice(policy);
  const handle = rootHandle(policy);
  const preparation: string[][] = [];
  const commands: string[][] = [];
  const expected: ExpectedState = { device, qdiscs: [], classes: [], filters: [] };
  if (policy.direction === 'ingress') {
    preparation.push(['link', 'add', device, 'type', 'ifb'], ['link', 'set', device, 'up']);
    commands.push(['qdisc', 'add', 'dev', policy.interface, 'handle', 'ffff:', 'ingress']);
    commands.push([
      'filter',
      'add',
      'dev',
      policy.interface,
      'parent',
      'ffff:',
      'protocol',
      'all',
      'prio',
      '1',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      device,
    ]);
    expected.ingress = { device: policy.interface, redirectTo: device };
  }
  const rootArgs = ['qdisc', 'add', 'dev', device, 'root', 'handle', handle, policy.root.kind];
  if (policy.root.kind === 'htb') {
    if (policy.root.defaultClass) rootArgs.push('default', policy.root.defaultClass.split(':')[1]!);
  } else if (policy.root.kind === 'hfsc' && policy.root.defaultClass) {
    rootArgs.push('default', policy.root.defaultClass.split(':')[1]!);
  }
  commands.push(rootArgs);
  expected.qdiscs.push({ handle, parent: 'root', kind: policy.root.kind });
  for (const item of policy.classes) {
    const ceil = item.ceil ?? item.rate;
    const args = ['class', 'add', 'dev', device, 'parent', item.parent, 'classid', item.id];
    if (policy.root.kind === 'htb') {
      args.push('htb', 'rate', formatRate(item.rate), 'ceil', formatRate(ceil));
      if (item.burst) args.push('burst', `${item.burst}b`);
      if (item.priority !== undefined) args.push('prio', String(item.priority));
      args.push('quantum', String(quantumFor(item)));
    } else if (policy.root.kind === 'hfsc') {
      args.push('hfsc', 'ls', 'rate', formatRate(item.rate), 'ul', 'rate', formatRate(ceil));
    } else {
      args.push('drr', 'quantum', String(quantumFor(item)));
    }
    commands.push(args);
    expected.classes.push({ id: item.id, parent: item.parent, rate: item.rate, ceil });
  }
  for (const item of policy.classes) {
    if (!item.leaf) continue;
    const leaf = ['qdisc', 'add', 'dev', device, 'parent', item.id, 'handle', leafHandle(item), item.leaf.kind];
    if (item.leaf.limit && (item.leaf.kind === 'pfifo' || item.leaf.kind === 'sfq' || item.leaf.kind === 'fq_codel'))
      leaf.push('limit', String(item.leaf.limit));
    commands.push(leaf);
    expected.qdiscs.push({ handle: leafHandle(item), parent: item.id, kind: item.leaf.kind });
  }
  policy.filters.forEach((filter, index) => {
    const classifier = resolved.classifiers[index] ?? 'u32';
    commands.push(filterCommand(device, handle, filter, classifier, resolved.policers[index] ?? false));
    expected.filters.push({ parent: handle, priority: filter.priority, flowid: filter.classId, kind: classifier });
  });
  return { device, preparation, commands, batch: `${commands.map(batchLine).join('\n')}\n`, expected };
}
