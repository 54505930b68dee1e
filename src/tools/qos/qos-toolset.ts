/**
 * The QoS toolset: `qos_plan` and `qos_show` (read), `qos_apply` and `qos_rollback`
 * (disruptive: approved by another operator in the pipeline), `qos_confirm` (keeps a change
 * applied with confirm-or-revert). Engine errors come back as data, never exceptions.
 */
import { childPath, resolveBinary } from '../system-binaries.js';
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { defineTool, type ToolResult, type Toolset } from '../tool-contract.js';
import { interfaceNameSchema } from './policy-model.js';
import type { QosEngine } from './qos-engine.js';
import type { PlanRequest } from './qos-planner.js';
import type { IntentInterpreter } from './intent-model.js';
import { planIntent } from './intent-planning.js';
import { qosApplyPreview, qosApplyView, qosPlanView, qosRecordView, qosShowView, summarisePlan } from './qos-views.js';
import { qosPlanOutput, qosApplyOutput, qosRecordOutput, qosShowOutput } from './qos-output-schemas.js';

const planInput = z.strictObject({
  intent: z
    .string()
    .min(1)
    .max(2_000)
    .optional()
    .describe('What to do, in French or English, e.g. "garantir 20 Mbit/s pour la vidéo sur eth1"'),
  interface: interfaceNameSchema.optional().describe('Interface used when the intent names none'),
  policy: z.record(z.string(), z.unknown()).optional().describe('An explicit policy instead of an intent (see the README)'),
});

async function asResult<T>(work: () => Promise<T>): Promise<ToolResult<T>> {
  try {
    return { status: 'success', data: await work() };
  } catch (error) {
    if (error instanceof AppError) return { status: 'error', error: { code: error.code, message: error.message } };
    return { status: 'error', error: { code: 'qos_internal_error', message: error instanceof Error ? error.message : String(error) } };
  }
}

/** The plan as shown to people and models (kept in qos-views.ts beside its view). */
export { summarisePlan };

function tcAvailable(): Promise<boolean> {
  let tc: string;
  try {
    tc = resolveBinary('tc');
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => execFile(tc, ['-V'], { env: { PATH: childPath() } }, (error) => resolve(!error)));
}

/** Builds the toolset around one engine; with an interpreter, `qos_plan` asks the local model about text the parser cannot read. */
export function qosToolset(engine: QosEngine, options: { interpreter?: IntentInterpreter | null } = {}): Toolset {
  return {
    name: 'qos',
    description:
      'Linux traffic shaping (tc/HTB) from intents in French or English: plan with diff, approved apply, verify, automatic rollback.',
    instructions:
      'Use qos_plan first and show its diff and warnings; qos_apply needs approval from another operator and rolls back by itself on failure; suggest confirmWithinMinutes for risky changes; qos_rollback takes the application or execution id.',
    async checkPrerequisites() {
      if (!(await tcAvailable())) return { ok: false, detail: 'tc (iproute2) is not installed' };
      if (process.getuid?.() !== 0) return { ok: false, detail: 'applying QoS needs root (CAP_NET_ADMIN); planning works' };
      return { ok: true };
    },
    tools: [
      defineTool({
        name: 'qos_plan',
        description:
          'Turn a QoS intent (French or English) or a policy into tc commands, with warnings and a diff against the live interface. Changes nothing.',
        inputSchema: planInput,
        outputSchema: qosPlanOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 30_000,
        aliases: ['qos plan'],
        positional: ['intent'],
        examples: ['qos plan "guarantee 20 Mbit/s for video on eth1"', 'qos plan "limiter les sauvegardes à 50 Mbit/s sur eth1"'],
        view: (_input, result, i18n) => qosPlanView(result, i18n),
        execute: (input, context) =>
          asResult(async () =>
            summarisePlan(await planIntent(engine, input as PlanRequest, options.interpreter ?? null, { signal: context.signal })),
          ),
      }),
      defineTool({
        name: 'qos_apply',
        description:
          'Apply a QoS intent or policy: snapshot, tc -batch, read back and compare, restore the snapshot on any failure. Optional confirm-or-revert.',
        inputSchema: planInput.extend({
          confirmWithinMinutes: z
            .number()
            .min(0.05)
            .max(120)
            .optional()
            .describe('Roll back automatically unless qos_confirm is called in time'),
        }),
        outputSchema: qosApplyOutput,
        risk: 'disruptive',
        minRole: 'operator',
        timeoutMs: 180_000,
        aliases: ['qos apply'],
        positional: ['intent'],
        examples: ['qos apply "limit backups to 50 Mbit/s on eth1"'],
        view: (_input, result, i18n) => qosApplyView(result, i18n),
        // The approver sees the plan that will run: classes, diff and the exact tc batch.
        preview: async (input, context) => {
          const { confirmWithinMinutes, ...request } = input as PlanRequest & { confirmWithinMinutes?: number };
          return qosApplyPreview(
            summarisePlan(await planIntent(engine, request, options.interpreter ?? null, { signal: context.signal })),
            confirmWithinMinutes,
            context.i18n,
          );
        },
        execute: (input, context) =>
          asResult(async () => {
            const { confirmWithinMinutes, ...request } = input as PlanRequest & { confirmWithinMinutes?: number };
            const result = await engine.apply(request, {
              executionId: context.executionId,
              appliedBy: context.principal.userId,
              signal: context.signal,
              ...(confirmWithinMinutes ? { confirmWithinSeconds: Math.round(confirmWithinMinutes * 60) } : {}),
            });
            return {
              applicationId: result.application.id,
              status: result.application.status,
              confirmDeadline: result.application.confirmDeadline,
              plan: summarisePlan(result.plan),
            };
          }),
      }),
      defineTool({
        name: 'qos_rollback',
        description: 'Restore the configuration captured before a QoS application (by application id or execution id) and verify it.',
        inputSchema: z.strictObject({
          application: z
            .string()
            .min(1)
            .max(100)
            .regex(/^[\w-]+$/, 'an application or execution id'),
        }),
        outputSchema: qosRecordOutput,
        risk: 'disruptive',
        minRole: 'operator',
        timeoutMs: 120_000,
        aliases: ['qos rollback', 'qos revert'],
        positional: ['application'],
        examples: ['qos rollback 5f0c…'],
        view: (_input, result, i18n) => qosRecordView(result, 'rolledBack', i18n),
        execute: (input) =>
          asResult(async () => {
            const {
              snapshot: _snapshot,
              policy: _policy,
              ...record
            } = await engine.rollback((input as { application: string }).application);
            return record;
          }),
      }),
      defineTool({
        name: 'qos_confirm',
        description: 'Keep a QoS change that was applied with confirm-or-revert (cancels the automatic rollback).',
        inputSchema: z.strictObject({
          application: z
            .string()
            .min(1)
            .max(100)
            .regex(/^[\w-]+$/, 'an application or execution id'),
        }),
        outputSchema: qosRecordOutput,
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 10_000,
        aliases: ['qos confirm'],
        positional: ['application'],
        view: (_input, result, i18n) => qosRecordView(result, 'confirmed', i18n),
        execute: (input) =>
          asResult(async () => {
            const {
              snapshot: _snapshot,
              policy: _policy,
              ...record
            } = await engine.confirm((input as { application: string }).application);
            return record;
          }),
      }),
      defineTool({
        name: 'qos_show',
        description:
          'Show the live tc configuration of an interface with per-class statistics (bytes, drops, overlimits, backlog), kernel capabilities and recent applications.',
        inputSchema: z.strictObject({ interface: interfaceNameSchema }),
        outputSchema: qosShowOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 15_000,
        aliases: ['qos show'],
        positional: ['interface'],
        examples: ['qos show eth1'],
        view: (_input, result, i18n) => qosShowView(result, i18n),
        execute: (input, context) => asResult(() => engine.show((input as { interface: string }).interface, context.signal)),
      }),
    ],
  };
}
