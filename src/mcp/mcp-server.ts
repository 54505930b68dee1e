/**
 * Vigie as an MCP server: one low-level SDK `Server` per authenticated caller (stateless
 * Streamable HTTP builds one per request; stdio one per process). Tools come from the
 * registry filtered by the caller's role and the `mcp` allowlist; every call goes through
 * the execution pipeline with channel `mcp` and the caller's principal, so approvals, audit
 * and timeouts are the ones every other channel gets. A mutating call answers at once with
 * the pending execution; `vigie_execution` reads its state later.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
  type CreateTaskResult,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { toErrorBody } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Logger } from '../logger.js';
import type { ChannelAllowlist } from '../tools/pipeline/channel-allowlist.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import { VERSION } from '../version.js';
import { EXECUTION_TOOL, executionTool, mcpTool, mcpVisible } from './mcp-tool-listing.js';
import { documentResources, documentTemplates, readDocumentResource } from './mcp-resources.js';
import { DEFAULT_TASK_POLL_MS, ExecutionTaskStore } from './mcp-tasks.js';
import type { ApprovalCardPoster, PostedCard } from './mcp-approval-cards.js';

/** What the MCP server calls into. */
export interface VigieMcpDeps {
  tools: ToolRuntime;
  knowledge: KnowledgeBase;
  prisma: PrismaClient;
  logger: Logger;
  allowlist?: ChannelAllowlist | undefined;
  /** Interval (ms) MCP clients are asked to poll a task at (MCP_TASK_POLL_MS). */
  taskPollMs?: number | undefined;
  /** Posts Slack/Discord approval cards for pending MCP calls (APPROVALS_SLACK_CHANNEL, APPROVALS_DISCORD_CHANNEL). */
  approvalCards?: ApprovalCardPoster | undefined;
}

const FAILED = new Set(['failed', 'denied', 'expired', 'timed_out', 'cancelled', 'refused']);
const executionIdInput = z.object({ id: z.string().uuid() }).strict();

/** Where a pending execution is approved: the console, REST, and the cards posted for it. */
export function approvalMessage(view: ExecutionView, baseUrl: string, cards: PostedCard[] = []): string {
  const who = view.riskLevel === 'disruptive' ? 'an operator other than the requester' : 'an operator';
  const where = [
    `the console (${baseUrl}/?execution=${view.id})`,
    ...cards.map(
      (card) => `the ${card.platform === 'slack' ? 'Slack' : 'Discord'} card in channel ${card.channel}${card.url ? ` (${card.url})` : ''}`,
    ),
  ];
  return `Waiting for ${who} to approve in ${where.join(', ')}, or POST ${baseUrl}/api/executions/${view.id}/approve.`;
}

/** The MCP result of an execution: structured (the output schema) and a short text. */
export function executionResult(view: ExecutionView, baseUrl: string, cards: PostedCard[] = []): CallToolResult {
  const waiting = view.status === 'pending_approval';
  const structured: Record<string, unknown> = {
    executionId: view.id,
    tool: view.tool,
    status: view.status,
    riskLevel: view.riskLevel,
    arguments: (view.arguments ?? {}) as object,
    ...(view.result !== null ? { result: view.result } : {}),
  };
  if (waiting) {
    structured.approval = {
      approversNeeded: 1,
      requesterMayApprove: view.riskLevel !== 'disruptive',
      expiresAt: view.expiresAt,
      approveUrl: `${baseUrl}/api/executions/${view.id}/approve`,
      consoleUrl: `${baseUrl}/?execution=${view.id}`,
      cards: cards.map((card) => ({ ...card })),
      message: `${approvalMessage(view, baseUrl, cards)} Read progress with ${EXECUTION_TOOL} {"id":"${view.id}"}.`,
    };
  }
  const summary = waiting
    ? `${view.tool} is waiting for approval (execution ${view.id}).`
    : `${view.tool}: ${view.status} (execution ${view.id}).`;
  return {
    content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }],
    structuredContent: structured,
    ...(FAILED.has(view.status) ? { isError: true } : {}),
  };
}

/**
 * A JSON-RPC error with exactly this message (McpError would prefix "MCP error <code>:", which
 * the client prefixes again).
 */
export function rpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function errorResult(error: unknown): CallToolResult {
  const body = toErrorBody(error).body;
  return { content: [{ type: 'text', text: `${body.code}: ${body.message}` }], isError: true };
}

/** The capabilities Vigie's MCP server declares: tools, resources, and tasks for tools/call. */
export const VIGIE_MCP_CAPABILITIES = {
  tools: {},
  resources: {},
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
};

/** Builds the MCP server for one authenticated caller. */
export function createVigieMcpServer(deps: VigieMcpDeps, principal: Principal, baseUrl: string): Server {
  const { registry, executions } = deps.tools;
  const pollMs = deps.taskPollMs ?? DEFAULT_TASK_POLL_MS;
  const tasks = new ExecutionTaskStore(
    {
      prisma: deps.prisma,
      executions,
      pollMs,
      result: (view) => executionResult(view, baseUrl),
      approvalHint: (view) => approvalMessage(view, baseUrl),
    },
    principal,
  );
  const server = new Server(
    { name: 'vigie', title: 'Vigie', version: VERSION },
    {
      capabilities: VIGIE_MCP_CAPABILITIES,
      taskStore: tasks,
      defaultTaskPollInterval: pollMs,
      instructions:
        'Vigie runs ops tools through its approval pipeline. Read-only tools answer at once; mutating tools return a pending execution that a human operator approves (as an MCP task when the client asks for one); poll it with vigie_execution or tasks/get.',
    },
  );
  const allowlist = deps.allowlist ?? {};

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      ...registry
        .list()
        .filter((entry) => mcpVisible(registry, allowlist, principal, entry))
        .map(mcpTool),
      executionTool(),
    ],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult | CreateTaskResult> => {
    const { name } = request.params;
    const asTask = request.params.task !== undefined;
    if (name === EXECUTION_TOOL && asTask)
      throw rpcError(ErrorCode.InvalidParams, `${EXECUTION_TOOL} answers at once: call it without a task`);
    try {
      if (name === EXECUTION_TOOL) {
        const parsed = executionIdInput.safeParse(request.params.arguments ?? {});
        if (!parsed.success) return errorResult(new Error(`${EXECUTION_TOOL} needs {"id": "<execution uuid>"}`));
        return executionResult(await executions.find(principal, parsed.data.id), baseUrl);
      }
      // Everything else goes through the pipeline, which refuses (and audits) what the role or allowlist forbids.
      const view = await executions.request(principal, {
        tool: name,
        args: request.params.arguments ?? {},
        channel: 'mcp',
        traceId: randomUUID(),
      });
      const cards = view.status === 'pending_approval' && deps.approvalCards ? await deps.approvalCards.post(view) : [];
      if (asTask) return { task: await tasks.taskOf(view) };
      return executionResult(view, baseUrl, cards);
    } catch (error) {
      const body = toErrorBody(error);
      if (body.status >= 500) deps.logger.error({ err: error, tool: name }, 'MCP tool call failed');
      // A task-augmented call must answer with a task or a JSON-RPC error.
      if (asTask)
        throw rpcError(body.status >= 500 ? ErrorCode.InternalError : ErrorCode.InvalidParams, `${body.body.code}: ${body.body.message}`);
      return errorResult(error);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, (request) => documentResources(deps.prisma, request.params?.cursor));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: documentTemplates() }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => readDocumentResource(deps.prisma, deps.knowledge, request.params.uri));
  return server;
}
