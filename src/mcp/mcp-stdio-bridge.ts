/**
 * `vigie mcp serve --stdio`: Vigie's MCP server for a local agent that speaks stdio (Claude
 * Desktop, IDEs). It relays to a running Vigie's `/mcp` with the token from VIGIE_TOKEN, so
 * calls still run in the server's pipeline (approvals, audit) and nothing is bypassed here.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
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
  await upstream.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${options.token}` } } }));
  const server = new Server(
    { name: 'vigie', title: 'Vigie', version: VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: upstream.getInstructions() },
  );
  server.setRequestHandler(ListToolsRequestSchema, (request) => upstream.listTools(request.params));
  // The upstream result is relayed as is (its structured content was produced by Vigie's server).
  server.setRequestHandler(CallToolRequestSchema, (request) => upstream.request({ method: 'tools/call', params: request.params }, CallToolResultSchema));
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
