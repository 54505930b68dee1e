/**
 * The read side of the pipeline, scoped by the policy: an execution is visible to its
 * requester and to operators and admins (`execution.read`); others get 404, so ids never
 * leak. Also the check before an approval or denial (`execution.decide`).
 */
import type { Principal } from '../../auth/principal.js';
import { may, mayActOnAny, refusal } from '../../auth/policy.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { Execution, PrismaClient } from '../../generated/prisma/client.js';
import type { ToolRegistry } from '../tool-registry.js';
import { executionView, type ExecutionView } from './execution-view.js';

/** Filters of an execution list. */
export interface ExecutionFilters {
  status?: string | undefined;
  conversationId?: string | undefined;
  limit: number;
}

/** One execution the caller may see, or NotFoundError. */
export async function visibleExecution(prisma: PrismaClient, principal: Principal, executionId: string): Promise<Execution> {
  const row = await prisma.execution.findUnique({ where: { id: executionId } });
  if (!row || !may(principal, 'execution.read', { ownerId: row.requesterId })) throw new NotFoundError('Execution');
  return row;
}

/** Recent executions the caller may see, newest first. */
export async function listExecutions(prisma: PrismaClient, principal: Principal, filters: ExecutionFilters): Promise<ExecutionView[]> {
  const rows = await prisma.execution.findMany({
    where: {
      ...(mayActOnAny(principal, 'execution.read') ? {} : { requesterId: principal.userId }),
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.conversationId ? { conversationId: filters.conversationId } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filters.limit,
  });
  return rows.map(executionView);
}

/** Throws ForbiddenError unless the caller may approve or deny `row` (operator, and the tool's own role). */
export function assertMayDecide(registry: ToolRegistry, principal: Principal, row: Execution): void {
  const tool = registry.get(row.tool)?.tool;
  const refused = refusal(principal, 'execution.decide', { minRole: tool?.minRole });
  if (refused === 'role') throw new ForbiddenError('Approving or denying requires the operator role');
  if (refused) throw new ForbiddenError(`Deciding on ${row.tool} requires the ${tool?.minRole} role`);
}
