/**
 * The thin LangChain adapter: each registry tool becomes a LangChain tool whose body asks
 * the execution pipeline, never the engine directly. So a model's call gets the same
 * validation, role check, approval, timeout and audit as a command typed by a person, and
 * the model cannot grant itself an approval (nothing in its arguments can).
 */
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { toErrorBody } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import { hasRole } from '../auth/roles.js';
import type { ExecutionService } from '../tools/pipeline/execution-service.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import type { ToolChannel } from '../tools/tool-contract.js';
import type { ToolRegistry } from '../tools/tool-registry.js';

/** Who is asking, for every tool call of one turn. */
export interface TurnScope {
  principal: Principal;
  channel: ToolChannel;
  conversationId: string | null;
  externalIds?: Record<string, string> | undefined;
  traceId: string;
  /** Every execution the turn caused, in order (recorded on the assistant message). */
  executions: ExecutionView[];
}

/** What the model reads back from a tool call: the structured result, never an exception. */
export function toolResultForModel(execution: ExecutionView): Record<string, unknown> {
  if (execution.status === 'pending_approval') {
    return {
      status: 'approval_required',
      data: { executionId: execution.id, approversNeeded: 1 },
      message: `${execution.tool} needs an operator's approval${execution.riskLevel === 'disruptive' ? ' (from someone other than the requester)' : ''} before it runs. Tell the user it is waiting for approval.`,
    };
  }
  if (execution.status === 'queued') return { status: 'no_data', message: `${execution.tool} is running as a background job (${execution.id}).` };
  return (execution.result as Record<string, unknown> | null) ?? { status: 'error', error: { code: execution.status, message: `Execution ${execution.status}` } };
}

/** LangChain tools for every available registry tool the caller's role may use. */
export function langChainTools(registry: ToolRegistry, executions: ExecutionService, scope: TurnScope): StructuredToolInterface[] {
  return registry
    .list()
    .filter(({ tool: definition }) => hasRole(scope.principal.role, definition.minRole) && !registry.unavailableReason(definition.name))
    .map(({ tool: definition }) =>
      tool(
        async (input: unknown) => {
          try {
            const execution = await executions.request(scope.principal, {
              tool: definition.name,
              args: input,
              channel: scope.channel,
              conversationId: scope.conversationId,
              externalIds: scope.externalIds,
              traceId: scope.traceId,
            });
            scope.executions.push(execution);
            return JSON.stringify(toolResultForModel(execution));
          } catch (error) {
            return JSON.stringify({ status: 'error', error: toErrorBody(error).body });
          }
        },
        {
          name: definition.name,
          description: `${definition.description}${definition.risk === 'read' ? '' : ` (${definition.risk}: requires approval)`}`,
          schema: definition.inputSchema as never,
        },
      ) as StructuredToolInterface,
    );
}
