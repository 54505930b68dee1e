/**
 * Intent or policy → checked, kernel-adjusted, compiled plan with a diff against the live
 * device. Shared by `qos_plan` (read-only) and `qos_apply` (which re-plans under its lock),
 * so what the approver saw is what runs.
 */
import type { KernelCapabilities } from './capabilities.js';
import { compilePolicy, type CompiledPolicy } from './compiler.js';
import { resolveForKernel } from './fallbacks.js';
import { assertInterfaceAllowed, assertInterfaceUsable, type QosGuardrails } from './guardrails.js';
import { parseIntent, type IntentClause } from './intent-parser.js';
import { policySchema, type Policy, type PolicyInput } from './policy-model.js';
import { diffStates, type StateDiff } from './snapshot.js';
import type { CommandRunner } from './tc-runner.js';
import { readLiveState, type LiveState } from './tc-state.js';
import { assertValidPolicy, QosRefusedError } from './validation.js';

/** What to plan: an intent in French or English, or an explicit policy. */
export interface PlanRequest {
  intent?: string | undefined;
  policy?: PolicyInput | undefined;
  /** Interface used when the intent names none. */
  interface?: string | undefined;
}

/** A plan, ready to show, approve and apply. */
export interface QosPlan extends CompiledPolicy {
  policy: Policy;
  intent: string | null;
  clauses: IntentClause[];
  warnings: string[];
  diff: StateDiff | null;
  /** The device's state the diff was computed from (reused as the apply snapshot). */
  live: LiveState | null;
  capabilities: { source: KernelCapabilities['source']; missing: string[] };
  /** Who read the intent: the deterministic parser (default) or, when it could not, the local model. */
  interpretedBy?: 'parser' | 'model';
  /** With `model`: which model, how long, and what the parser could not read. */
  interpretation?: { model: string; tookMs: number; parserProblems: string[] };
}

/** Turns the request into a policy (parse or schema-check) without touching the system. */
export function policyFromRequest(
  request: PlanRequest,
  defaultLinkRate: number,
): { policy: Policy; clauses: IntentClause[]; warnings: string[] } {
  if (request.intent !== undefined && request.policy !== undefined)
    throw new QosRefusedError('Give either an intent or a policy', ['both were given']);
  if (request.intent !== undefined) {
    const parsed = parseIntent(request.intent, {
      ...(request.interface ? { defaultInterface: request.interface } : {}),
      linkRate: defaultLinkRate,
    });
    return { policy: parsed.policy, clauses: parsed.clauses, warnings: parsed.warnings };
  }
  if (request.policy === undefined)
    throw new QosRefusedError('Nothing to plan', ['give an intent ("guarantee 20 Mbit/s for video on eth1") or a policy']);
  const parsed = policySchema.safeParse(request.policy);
  if (!parsed.success)
    throw new QosRefusedError(
      'The policy does not match the schema',
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'policy'}: ${issue.message}`),
    );
  return { policy: parsed.data, clauses: [], warnings: [] };
}

/** Names of what the kernel lacks, for the plan and `qos show`. */
export function missingCapabilities(capabilities: KernelCapabilities): string[] {
  return [
    ...Object.entries(capabilities.qdiscs)
      .filter(([, ok]) => !ok)
      .map(([name]) => `qdisc ${name}`),
    ...Object.entries(capabilities.classifiers)
      .filter(([, ok]) => !ok)
      .map(([name]) => `classifier ${name}`),
    ...Object.entries(capabilities.actions)
      .filter(([, ok]) => !ok)
      .map(([name]) => `action ${name}`),
    ...(capabilities.ifb ? [] : ['ifb device']),
  ];
}

/** Everything the planner needs. */
export interface PlannerDependencies {
  runner: CommandRunner;
  guardrails: QosGuardrails;
  capabilities: () => Promise<KernelCapabilities>;
  defaultLinkRate: number;
}

/** Reads a device's state, or an empty one when the device does not exist yet (a new IFB). */
export async function readStateOrEmpty(runner: CommandRunner, device: string, signal?: AbortSignal): Promise<LiveState> {
  try {
    await runner.run('ip', ['-j', 'link', 'show', 'dev', device]);
  } catch {
    return { device, qdiscs: [], classes: [], filters: [] };
  }
  return readLiveState(runner, device, signal);
}

/** Builds the full plan: parse → guardrails → validate → fallbacks → compile → diff. */
export async function buildPlan(
  request: PlanRequest,
  dependencies: PlannerDependencies,
  options: { live?: boolean; signal?: AbortSignal } = {},
): Promise<QosPlan> {
  const { policy, clauses, warnings } = policyFromRequest(request, dependencies.defaultLinkRate);
  assertInterfaceAllowed(policy.interface, dependencies.guardrails);
  if (policy.ingressDevice)
    assertInterfaceAllowed(policy.ingressDevice, {
      ...dependencies.guardrails,
      allowedInterfaces: [...dependencies.guardrails.allowedInterfaces, policy.ingressDevice],
    });
  assertValidPolicy(policy);
  const capabilities = await dependencies.capabilities();
  const resolved = resolveForKernel(policy, capabilities);
  if (resolved.refusals.length > 0)
    throw new QosRefusedError(`This kernel cannot run the policy for ${policy.interface}`, resolved.refusals);
  const compiled = compilePolicy(resolved);
  let diff: StateDiff | null = null;
  let live: LiveState | null = null;
  if (options.live !== false) {
    await assertInterfaceUsable(policy.interface, dependencies.guardrails, dependencies.runner);
    live = await readStateOrEmpty(dependencies.runner, compiled.device, options.signal);
    diff = diffStates(live, compiled.expected);
  }
  if (capabilities.source === 'assumed')
    warnings.push(`kernel capabilities were not probed: ${capabilities.detail ?? 'assuming the minimum'}`);
  return {
    ...compiled,
    policy: resolved.policy,
    intent: request.intent ?? null,
    clauses,
    warnings: [...warnings, ...resolved.warnings],
    diff,
    live,
    capabilities: { source: capabilities.source, missing: missingCapabilities(capabilities) },
  };
}
