/**
 * `vigie mcp serve --stdio`: Vigie's MCP server for a local agent that speaks stdio (Claude
 * Desktop, IDEs). It relays to a running Vigie's `/mcp` with the token from VIGIE_TOKEN, so
 * calls still run in the server's pipeline (approvals, audit) and nothing is bypassed here.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  McpError,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { ValidationError } from '../errors.js';
import { VERSION } from '../version.js';

/** Where the bridge relays to. */
export interface StdioBridgeOptions {
  /** Base URL of a running Vigie (e.g. http://127.0.0.1:3000). */
  url: string;
  token: string;
}

/** Relays Vigie's JSON-RPC error as is (without a second "MCP error <code>:" prefix). */
function relayError(error: unknown): never {
  if (error instanceof McpError)
    throw Object.assign(new Error(error.message.replace(/^MCP error -?\d+: /, '')), { code: error.code, data: error.data });
  throw error;
}

/**
 * Tasks relayed to Vigie: the bridge keeps nothing, every tasks/get, tasks/result, tasks/list
 * and tasks/cancel is answered by the server (where the task is the execution).
 */
function relayedTasks(upstream: Client): TaskStore {
  const notFound = (error: unknown) => error instanceof McpError && error.code === ErrorCode.InvalidParams;
  return {
    createTask: () => Promise.reject(new Error('tasks are created by Vigie')),
    storeTaskResult: () => Promise.reject(new Error('task results come from Vigie')),
    async getTask(taskId) {
      try {
        return await upstream.experimental.tasks.getTask(taskId);
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    getTaskResult: (taskId) => upstream.experimental.tasks.getTaskResult(taskId, CallToolResultSchema),
    listTasks: (cursor) => upstream.experimental.tasks.listTasks(cursor),
    async updateTaskStatus(taskId, status) {
      if (status !== 'cancelled') throw new Error(`A task's status follows its execution; it cannot be set to ${status}`);
      await upstream.experimental.tasks.cancelTask(taskId);
    },
  };
}

/** Connects to Vigie over HTTP (failing fast on a bad token) and serves stdio until stdin closes. */
export async function serveStdioBridge(options: StdioBridgeOptions): Promise<void> {
  if (!options.token) throw new ValidationError('VIGIE_TOKEN must hold a Vigie API token (vig_…)');
  let endpoint: URL;
  try {
    endpoint = new URL('/mcp', options.url);
  } catch {
    throw new ValidationError(`VIGIE_URL is not a URL: ${options.url.slice(0, 200)}`);
  }
  const upstream = new Client({ name: 'vigie-stdio-bridge', version: VERSION });
  await upstream.connect(
    new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${options.token}` } } }),
  );
  const server = new Server(
    { name: 'vigie', title: 'Vigie', version: VERSION },
    {
      capabilities: {
        tools: {},
        resources: {},
        ...(upstream.getServerCapabilities()?.tasks ? { tasks: upstream.getServerCapabilities()!.tasks } : {}),
      },
      instructions: upstream.getInstructions(),
      ...(upstream.getServerCapabilities()?.tasks ? { taskStore: relayedTasks(upstream) } : {}),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, (request) => upstream.listTools(request.params));
  // The upstream result is relayed as is (its structured content was produced by Vigie's server); a task-augmented call returns Vigie's task.
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    (request.params.task
      ? upstream.request({ method: 'tools/call', params: request.params }, CreateTaskResultSchema)
      : upstream.request({ method: 'tools/call', params: request.params }, CallToolResultSchema)
    ).catch(relayError),
  );
  server.setRequestHandler(ListResourcesRequestSchema, (request) => upstream.listResources(request.params));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, (request) => upstream.listResourceTemplates(request.params));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => upstream.readResource(request.params));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await upstream.close();
}
