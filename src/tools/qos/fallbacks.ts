/**
 * Maps a policy onto what this kernel has. Each substitution is documented and reported
 * as a warning in the plan; what has no honest substitute is refused with the reason.
 *
 * Documented fallbacks:
 * - root DRR or HFSC missing → HTB (same class tree; HTB also guarantees and borrows).
 * - fq_codel, sfq or cake leaves missing → pfifo (no per-flow fairness inside the class).
 * - flower missing → u32 for IPv4 fields (dscp/tos, addresses, protocol, ports).
 * - fw missing → a classic-BPF filter reading skb->mark (cls_bpf), or refusal without bpf.
 * - police action missing → the class is shaped at its rate (ceil = rate) instead of policed.
 * Refused: VLAN-id matching without flower (u32 cannot see an offloaded tag: shape the VLAN
 * sub-interface instead), netem without netem, ingress without IFB and mirred.
 */
import type { KernelCapabilities } from './capabilities.js';
import type { Policy, PolicyFilter } from './policy-model.js';

/** How one filter will be expressed on this kernel. */
export type ResolvedClassifier = 'u32' | 'flower' | 'fw' | 'bpf';

/** A policy adjusted to the kernel, the warnings and the refusals. */
export interface ResolvedPolicy {
  policy: Policy;
  classifiers: ResolvedClassifier[];
  /** Whether each filter keeps its policer. */
  policers: boolean[];
  warnings: string[];
  refusals: string[];
}

/** Applies the documented fallbacks for `capabilities` to `policy`. */
export function resolveForKernel(policy: Policy, capabilities: KernelCapabilities): ResolvedPolicy {
  const warnings: string[] = [];
  const refusals: string[] = [];
  const has = (group: Record<string, boolean>, name: string) => group[name] === true;
  let root = policy.root;
  if (root.kind !== 'htb' && !has(capabilities.qdiscs, root.kind)) {
    warnings.push(`root qdisc ${root.kind} is not available on this kernel: using htb instead (same classes, guarantees and borrowing)`);
    root = { ...root, kind: 'htb' };
  }
  if (!has(capabilities.qdiscs, root.kind)) refusals.push(`root qdisc ${root.kind} is not available on this kernel`);
  const replaced = new Map<string, string[]>();
  const classes = policy.classes.map((item) => {
    if (!item.leaf || has(capabilities.qdiscs, item.leaf.kind)) return item;
    if (item.leaf.kind === 'netem') {
      refusals.push(`class ${item.id} (${item.name}) needs netem, which this kernel does not have`);
      return item;
    }
    const ids = replaced.get(item.leaf.kind);
    if (ids) ids.push(item.id);
    else replaced.set(item.leaf.kind, [item.id]);
    return { ...item, leaf: { kind: 'pfifo' as const, ...(item.leaf.limit ? { limit: item.leaf.limit } : {}) } };
  });
  for (const [kind, ids] of replaced) {
    warnings.push(
      `${kind} is not available on this kernel: leaf queue of ${ids.length} class(es) (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? '…' : ''}) falls back to pfifo (no per-flow fairness inside the class)`,
    );
  }
  const classifiers: ResolvedClassifier[] = [];
  const policers: boolean[] = [];
  let flowerFallbacks = 0;
  let policerFallbacks = 0;
  policy.filters.forEach((filter, index) => {
    classifiers.push(chooseClassifier(filter, index, capabilities, refusals, () => flowerFallbacks++));
    const police = filter.policeRate !== undefined && has(capabilities.actions, 'police');
    if (filter.policeRate !== undefined && !police) policerFallbacks++;
    policers.push(police);
  });
  if (flowerFallbacks > 0) warnings.push(`flower is not available on this kernel: ${flowerFallbacks} filter(s) compiled to u32 instead`);
  if (policerFallbacks > 0) {
    warnings.push(
      `the police action is not available on this kernel: ${policerFallbacks} policed filter(s) rely on their class being shaped at its rate (ceil = rate) instead of dropping above it`,
    );
  }
  if (policy.direction === 'ingress') {
    if (!capabilities.ifb) refusals.push('ingress shaping needs an IFB device, which this kernel cannot create');
    if (!has(capabilities.actions, 'mirred')) refusals.push('ingress shaping needs the mirred action, which this kernel does not have');
  }
  return { policy: { ...policy, root, classes }, classifiers, policers, warnings, refusals };
}

function chooseClassifier(
  filter: PolicyFilter,
  index: number,
  capabilities: KernelCapabilities,
  refusals: string[],
  countFlowerFallback: () => void,
): ResolvedClassifier {
  const flower = capabilities.classifiers.flower === true;
  const match = filter.match;
  const label = `filter #${index + 1} (to ${filter.classId})`;
  if (match.vlanId !== undefined) {
    if (flower) return 'flower';
    refusals.push(
      `${label} matches VLAN ${match.vlanId}: this kernel has no flower classifier and u32 cannot read an offloaded VLAN tag; apply the policy to the VLAN sub-interface instead`,
    );
    return 'flower';
  }
  if (match.fwmark !== undefined) {
    const others = Object.keys(match).filter((key) => key !== 'fwmark');
    if (others.length > 0) {
      if (flower) return 'flower';
      refusals.push(`${label} combines fwmark with ${others.join(', ')}: that needs flower, which this kernel does not have`);
      return 'flower';
    }
    if (capabilities.classifiers.fw) return 'fw';
    if (capabilities.classifiers.bpf) return 'bpf';
    if (flower) return 'flower';
    refusals.push(`${label} matches fwmark: this kernel has neither the fw, bpf nor flower classifier`);
    return 'fw';
  }
  if (filter.classifier === 'flower' && !flower) {
    countFlowerFallback();
    return 'u32';
  }
  if (filter.classifier === 'u32' && !capabilities.classifiers.u32) {
    if (flower) return 'flower';
    refusals.push(`${label} needs u32 or flower; this kernel has neither`);
  }
  return filter.classifier;
}
