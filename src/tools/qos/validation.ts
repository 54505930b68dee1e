/**
 * Checks a policy before anything runs: ids, tree shape, units, guarantees within the
 * parent's ceiling and the link speed, filters that reach a leaf class. Pure and fast
 * (linear in classes + filters), so plans of thousands of classes stay cheap.
 */
import { AppError } from '../../errors.js';
import { rootHandle, splitClassId, type Policy } from './policy-model.js';
import { humanRate } from './units.js';

/** A policy or request the QoS engine refuses; `issues` lists every reason. */
export class QosRefusedError extends AppError {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(
      'qos_refused',
      400,
      issues.length > 0 ? `${message}: ${issues.join('; ')}` : message,
      issues.map((issue) => ({ path: 'policy', message: issue })),
    );
  }
}

/** Every problem found in the policy (empty when valid). */
export function findPolicyIssues(policy: Policy): string[] {
  const issues: string[] = [];
  const root = rootHandle(policy);
  const rootMajor = splitClassId(policy.root.handle).major;
  if (rootMajor === 0 || rootMajor >= 0x100) issues.push(`root handle ${policy.root.handle} must have a major between 1 and ff`);
  const classes = new Map<string, Policy['classes'][number]>();
  const children = new Map<string, string[]>();
  for (const item of policy.classes) {
    const { major, minor } = splitClassId(item.id);
    if (classes.has(item.id)) issues.push(`class id ${item.id} is used twice`);
    if (major !== rootMajor) issues.push(`class ${item.id} must use the root's major number ${rootMajor.toString(16)}`);
    if (minor === 0 || minor > 0xfe00) issues.push(`class ${item.id} must have a minor between 1 and fe00`);
    const parentIsRoot = item.parent === root || item.parent === `${root}0`;
    if (!parentIsRoot && !classes.has(item.parent))
      issues.push(`class ${item.id} has parent ${item.parent}, which is not declared before it`);
    const ceil = item.ceil ?? item.rate;
    if (ceil < item.rate)
      issues.push(`class ${item.id} (${item.name}) has a ceiling ${humanRate(ceil)} below its guarantee ${humanRate(item.rate)}`);
    if (item.rate > policy.linkRate)
      issues.push(`class ${item.id} (${item.name}) guarantees ${humanRate(item.rate)}, above the link speed ${humanRate(policy.linkRate)}`);
    if (ceil > policy.linkRate)
      issues.push(`class ${item.id} (${item.name}) has a ceiling ${humanRate(ceil)}, above the link speed ${humanRate(policy.linkRate)}`);
    classes.set(item.id, item);
    const parentKey = parentIsRoot ? root : item.parent;
    const siblings = children.get(parentKey);
    if (siblings) siblings.push(item.id);
    else children.set(parentKey, [item.id]);
  }
  for (const [parent, ids] of children) {
    const sum = ids.reduce((total, id) => total + (classes.get(id)?.rate ?? 0), 0);
    const parentClass = classes.get(parent);
    const limit = parentClass ? (parentClass.ceil ?? parentClass.rate) : policy.linkRate;
    const label = parentClass ? `the ceiling of ${parent} (${parentClass.name})` : 'the link speed';
    if (sum > limit) issues.push(`the guarantees under ${parent} add up to ${humanRate(sum)}, above ${label} ${humanRate(limit)}`);
  }
  const priorities = new Set<number>();
  policy.filters.forEach((filter, index) => {
    const target = classes.get(filter.classId);
    if (!target) issues.push(`filter #${index + 1} sends traffic to ${filter.classId}, which is not a class of this policy`);
    else if (children.has(filter.classId))
      issues.push(`filter #${index + 1} sends traffic to ${filter.classId}, an inner class; filters must reach a leaf class`);
    if (priorities.has(filter.priority)) issues.push(`filter #${index + 1} reuses priority ${filter.priority}`);
    priorities.add(filter.priority);
    if (filter.policeRate !== undefined && filter.policeRate > policy.linkRate)
      issues.push(`filter #${index + 1} polices at ${humanRate(filter.policeRate)}, above the link speed`);
  });
  if (policy.root.defaultClass) {
    if (!classes.has(policy.root.defaultClass)) issues.push(`the default class ${policy.root.defaultClass} is not a class of this policy`);
    else if (children.has(policy.root.defaultClass))
      issues.push(`the default class ${policy.root.defaultClass} is an inner class; it must be a leaf`);
  }
  if (policy.direction === 'egress' && policy.ingressDevice) issues.push('ingressDevice only applies to ingress policies');
  return issues;
}

/** Throws QosRefusedError listing every issue, or returns the policy. */
export function assertValidPolicy(policy: Policy): Policy {
  const issues = findPolicyIssues(policy);
  if (issues.length > 0) throw new QosRefusedError(`The policy for ${policy.interface} is invalid`, issues);
  return policy;
}
