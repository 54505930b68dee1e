/**
 * /api/mcp/servers: admins register, list and remove external MCP servers. Registration
 * starts the server first and is refused, with the reason, when it cannot; its tools then
 * join the registry as `<name>.<tool>` with the chosen risk class.
 */
import { z } from 'zod';
import type { McpClientManager } from './mcp-client-manager.js';
import { mcpServerInputSchema } from './mcp-server-config.js';
import type { RouteRegistrar } from '../core/route-declarations.js';

const serverSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    transport: z.enum(['stdio', 'http']),
    command: z.string().nullable(),
    args: z.array(z.string()),
    url: z.string().nullable(),
    envNames: z.array(z.string()).meta({ description: 'Names only: values are secrets and never shown' }),
    headerNames: z.array(z.string()).meta({ description: 'Names only: values are secrets and never shown' }),
    riskLevel: z.enum(['read', 'mutate', 'disruptive']),
    toolRisks: z.record(z.string(), z.enum(['read', 'mutate', 'disruptive'])),
    minRole: z.enum(['viewer', 'operator', 'admin']),
    timeoutMs: z.number(),
    tools: z.array(z.string()),
    status: z.object({
      state: z.enum(['connecting', 'connected', 'unavailable', 'closed']),
      detail: z.string().optional(),
      tools: z.number(),
      connectedAt: z.string().nullable(),
      failures: z.number(),
      nextRetryAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'McpServer' });

const nameParams = z.object({ name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'not an MCP server name') });

/** Registers the MCP server routes (admin only). */
export function mcpRoutes(routes: RouteRegistrar, manager: McpClientManager): void {
  const tag = 'MCP';
  routes.add({
    method: 'get',
    path: '/mcp/servers',
    tag,
    summary: 'Registered external MCP servers with their connection status and tools',
    minRole: 'admin',
    success: { status: 200, description: 'Servers', schema: z.object({ data: z.array(serverSchema) }) },
    handler: async () => ({ data: manager.list() }),
  });
  routes.add({
    method: 'get',
    path: '/mcp/servers/:name',
    tag,
    summary: 'One external MCP server',
    minRole: 'admin',
    params: nameParams,
    success: { status: 200, description: 'The server', schema: serverSchema },
    handler: async ({ params }) => manager.find(params.name),
  });
  routes.add({
    method: 'post',
    path: '/mcp/servers',
    tag,
    summary: 'Register an external MCP server (stdio command or Streamable HTTP URL)',
    description:
      'Starts the server and lists its tools before storing it; a server that cannot start is refused with the reason (unless allowOffline). Its tools become `<name>.<tool>` with riskLevel (default disruptive) or a per-tool override.',
    minRole: 'admin',
    body: mcpServerInputSchema,
    errors: [403, 409],
    success: { status: 201, description: 'The registered server', schema: serverSchema },
    handler: ({ body, principal }) => manager.add(principal, body),
  });
  routes.add({
    method: 'delete',
    path: '/mcp/servers/:name',
    tag,
    summary: 'Remove an external MCP server and its tools',
    minRole: 'admin',
    params: nameParams,
    errors: [403],
    success: { status: 204, description: 'Removed', schema: null },
    handler: async ({ params, principal }) => {
      await manager.remove(principal, params.name);
      return null;
    },
  });
}
