/**
 * /api/executions: read an execution, and approve, deny or cancel it. The realtime
 * `execution:approve` / `execution:deny` events call the same service methods.
 */
import { z } from 'zod';
import { EXECUTION_STATUSES } from '../../tools/pipeline/execution-view.js';
import type { ToolRuntime } from '../../tools/pipeline/tool-runtime.js';
import type { RouteTable } from '../http/route-table.js';
import { idParams } from '../../contracts/common-schemas.js';
import { executionSchema } from '../../tools/pipeline/execution-schemas.js';

/** Registers execution routes. */
export function executionRoutes(routes: RouteTable, tools: ToolRuntime): void {
  const tag = 'Executions';
  const one = { status: 200, description: 'The execution', schema: executionSchema };

  routes.add({
    method: 'get',
    path: '/executions',
    tag,
    summary: 'Recent executions (your own; operators see all), newest first',
    query: z.object({
      status: z.enum(EXECUTION_STATUSES).optional(),
      conversationId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
    success: { status: 200, description: 'Executions', schema: z.object({ data: z.array(executionSchema) }) },
    handler: async ({ query, principal }) => ({ data: await tools.executions.list(principal, query) }),
  });

  routes.add({
    method: 'get',
    path: '/executions/:id',
    tag,
    summary: 'One execution with its result',
    params: idParams,
    success: one,
    handler: ({ params, principal }) => tools.executions.find(principal, params.id),
  });

  routes.add({
    method: 'post',
    path: '/executions/:id/approve',
    tag,
    summary: 'Approve a pending execution (operator; for disruptive tools not the requester) and run it',
    params: idParams,
    minRole: 'operator',
    errors: [403, 409],
    success: one,
    handler: ({ params, principal }) => tools.executions.approve(principal, params.id, 'api'),
  });

  routes.add({
    method: 'post',
    path: '/executions/:id/deny',
    tag,
    summary: 'Deny a pending execution (optional body {reason}: shown in the conversation and audited)',
    params: idParams,
    body: z
      .object({ reason: z.string().trim().max(500).optional() })
      .strict()
      .optional(),
    minRole: 'operator',
    errors: [403, 409],
    success: one,
    handler: ({ params, body, principal }) => tools.executions.deny(principal, params.id, 'api', body?.reason),
  });

  routes.add({
    method: 'post',
    path: '/executions/:id/cancel',
    tag,
    summary: 'Cancel a pending, queued or running execution (requester or operator)',
    params: idParams,
    errors: [403, 409],
    success: one,
    handler: ({ params, principal }) => tools.executions.cancel(principal, params.id, 'api'),
  });
}
