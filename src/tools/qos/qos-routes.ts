/**
 * /api/qos: plan, validate and show run directly (they change nothing); apply, rollback and
 * confirm are proposed to the execution pipeline, so `qos_apply` and `qos_rollback` wait for
 * another operator's approval (POST /api/executions/:id/approve) exactly as from chat.
 */
import { z } from 'zod';
import { parseAcceptLanguage } from '../../contracts/i18n.js';
import type { ToolRuntime } from '../pipeline/tool-runtime.js';
import { interfaceNameSchema } from './policy-model.js';
import type { IntentInterpreter } from './intent-model.js';
import { planIntent } from './intent-planning.js';
import type { QosEngine } from './qos-engine.js';
import type { PlanRequest } from './qos-planner.js';
import { summarisePlan } from './qos-toolset.js';
import type { RouteRegistrar } from '../../core/route-declarations.js';
import { executionSchema } from '../pipeline/execution-schemas.js';

/** What the QoS routes are built from (the QoS module's engine and interpreter). */
export interface QosRouteOptions {
  /** The pipeline, for approved applies and rollbacks (read at request time). */
  tools: () => ToolRuntime;
  /** The module's one engine (shared with the toolset: one lock per interface, one set of revert timers). */
  engine: QosEngine;
  /** With a local model: intents the parser cannot read are read by it (QOS_INTENT_MODEL_TIMEOUT_MS). */
  interpreter: IntentInterpreter | null;
}

const planBody = z
  .strictObject({
    intent: z.string().min(1).max(2_000).optional(),
    interface: interfaceNameSchema.optional(),
    policy: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'QosPlanRequest', example: { intent: 'guarantee 20 Mbit/s for video and limit backups to 50 Mbit/s on eth1' } });

const applyBody = planBody.extend({ confirmWithinMinutes: z.number().min(0.05).max(120).optional() }).meta({ id: 'QosApplyRequest' });
const applicationBody = z
  .strictObject({
    application: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w-]+$/),
  })
  .meta({ id: 'QosApplicationReference' });

const planSchema = z
  .object({
    interface: z.string(),
    direction: z.string(),
    device: z.string(),
    clauses: z.array(z.record(z.string(), z.unknown())),
    interpretedBy: z
      .enum(['parser', 'model'])
      .meta({ description: 'model: the parser could not read the intent and the local model did; review before applying' }),
    interpretation: z.object({ model: z.string(), tookMs: z.number(), parserProblems: z.array(z.string()) }).optional(),
    warnings: z.array(z.string()),
    diff: z.object({ removed: z.array(z.string()), added: z.array(z.string()), unchanged: z.number() }).nullable(),
    commands: z.number(),
    batch: z.string(),
    preparation: z.array(z.string()),
    capabilities: z.object({ source: z.string(), missing: z.array(z.string()) }),
    policy: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'QosPlan' });

/** Registers the QoS routes. */
export function qosRoutes(routes: RouteRegistrar, options: QosRouteOptions): void {
  const { engine, interpreter } = options;
  const tag = 'QoS';
  const plan = { status: 200, description: 'The plan: tc commands, tc -batch file, warnings and diff', schema: planSchema };

  routes.add({
    method: 'post',
    path: '/qos/plan',
    tag,
    summary: 'Plan an intent (French or English) or a policy against the live interface; changes nothing',
    body: planBody,
    errors: [409],
    success: plan,
    handler: async ({ body }) => summarisePlan(await planIntent(engine, body as PlanRequest, interpreter)),
  });

  routes.add({
    method: 'post',
    path: '/qos/validate',
    tag,
    summary: 'Parse, validate and compile without reading or touching any interface',
    body: planBody,
    success: plan,
    handler: async ({ body }) => summarisePlan(await planIntent(engine, body as PlanRequest, interpreter, { live: false })),
  });

  routes.add({
    method: 'get',
    path: '/qos/interfaces/:name',
    tag,
    summary: 'Live tc configuration of an allowed interface with per-class statistics and recent applications',
    params: z.object({ name: interfaceNameSchema }),
    success: {
      status: 200,
      description: 'State, capabilities, applications',
      schema: z.record(z.string(), z.unknown()).meta({ id: 'QosShow' }),
    },
    handler: ({ params }) => engine.show(params.name),
  });

  const proposals: [string, string, string, z.ZodType][] = [
    [
      '/qos/apply',
      'qos_apply',
      'Propose applying a policy: needs approval by ANOTHER operator (POST /api/executions/:id/approve), then snapshots, applies, verifies and rolls back on failure',
      applyBody,
    ],
    [
      '/qos/rollback',
      'qos_rollback',
      'Propose restoring the snapshot taken before an application: needs approval by another operator',
      applicationBody,
    ],
    [
      '/qos/confirm',
      'qos_confirm',
      'Propose confirming a confirm-or-revert application (cancels its automatic rollback once approved)',
      applicationBody,
    ],
  ];
  for (const [path, tool, summary, body] of proposals) {
    routes.add({
      method: 'post',
      path,
      tag,
      summary,
      minRole: 'operator',
      body,
      errors: [403, 503],
      success: { status: 202, description: 'The proposed execution (pending_approval)', schema: executionSchema },
      // The approval preview and, once approved, the result view in the client's language.
      handler: ({ body: args, principal, request }) =>
        options
          .tools()
          .executions.request(principal, { tool, args, channel: 'api', locale: parseAcceptLanguage(request.header('accept-language')) }),
    });
  }
}
