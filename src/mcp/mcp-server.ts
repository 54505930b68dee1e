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
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
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

/** What the MCP server calls into. */
export interface VigieMcpDeps {
  tools: ToolRuntime;
  knowledge: KnowledgeBase;
  prisma: PrismaClient;
  logger: Logger;
  allowlist?: ChannelAllowlist | undefined;
}

const FAILED = new Set(['failed', 'denied', 'expired', 'timed_out', 'cancelled']);
const executionIdInput = z.object({ id: z.string().uuid() }).strict();

/** The MCP result of an execution: structured (the output schema) and a short text. */
export function executionResult(view: ExecutionView, baseUrl: string): CallToolResult {
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
      consoleUrl: `${baseUrl}/`,
      message: `Waiting for an operator${view.riskLevel === 'disruptive' ? ' other than the requester' : ''} to approve in the console, Slack or Discord card, or POST ${baseUrl}/api/executions/${view.id}/approve. Read progress with ${EXECUTION_TOOL} {"id":"${view.id}"}.`,
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

function errorResult(error: unknown): CallToolResult {
  const body = toErrorBody(error).body;
  return { content: [{ type: 'text', text: `${body.code}: ${body.message}` }], isError: true };
}

/** Builds the MCP server for one authenticated caller. */
export function createVigieMcpServer(deps: VigieMcpDeps, principal: Principal, baseUrl: string): Server {
  const server = new Server(
    { name: 'vigie', title: 'Vigie', version: VERSION },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        'Vigie runs ops tools through its approval pipeline. Read-only tools answer at once; mutating tools return a pending execution that a human operator approves; poll it with vigie_execution.',
    },
  );
  const { registry, executions } = deps.tools;
  const allowlist = deps.allowlist ?? {};

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...registry.list().filter((entry) => mcpVisible(registry, allowlist, principal, entry)).map(mcpTool), executionTool()],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name } = request.params;
    try {
      if (name === EXECUTION_TOOL) {
        const parsed = executionIdInput.safeParse(request.params.arguments ?? {});
        if (!parsed.success) return errorResult(new Error(`${EXECUTION_TOOL} needs {"id": "<execution uuid>"}`));
        return executionResult(await executions.find(principal, parsed.data.id), baseUrl);
      }
      // Everything else goes through the pipeline, which refuses (and audits) what the role or allowlist forbids.
      const view = await executions.request(principal, { tool: name, args: request.params.arguments ?? {}, channel: 'mcp', traceId: randomUUID() });
      return executionResult(view, baseUrl);
    } catch (error) {
      const body = toErrorBody(error);
      if (body.status >= 500) deps.logger.error({ err: error, tool: name }, 'MCP tool call failed');
      return errorResult(error);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, (request) => documentResources(deps.prisma, request.params?.cursor));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: documentTemplates() }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => readDocumentResource(deps.prisma, deps.knowledge, request.params.uri));
  return server;
}
