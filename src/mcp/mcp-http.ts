/**
 * `/mcp`: Vigie's MCP server over Streamable HTTP, stateless (a server and a transport per
 * POST, JSON responses), so any node of a cluster answers any request. Authenticated with
 * a Vigie API token (`Authorization: Bearer vig_…`); anything else gets 401.
 */
import express, { Router, type Request, type Response } from 'express';
import { bearerToken, type TokenAuthenticator } from '../auth/token-authenticator.js';
import type { Principal } from '../auth/principal.js';
import type * as StreamableHttp from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as McpServerModule from './mcp-server.js';
import type { VigieMcpDeps } from './mcp-server.js';

/** Settings of the /mcp endpoint. */
export interface McpHttpOptions extends VigieMcpDeps {
  authenticator: TokenAuthenticator;
  bodyLimit: string;
}

function jsonRpcError(response: Response, status: number, code: number, message: string): void {
  response.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Builds the router serving POST /mcp (GET and DELETE answer 405: no sessions, no stream). */
export function mcpHttpRouter(options: McpHttpOptions): Router {
  const router = Router();
  // The MCP SDK takes about 0.3 s to load: imported at the first call, not at start-up (issue 17).
  let modules: Promise<[typeof StreamableHttp, typeof McpServerModule]> | undefined;
  const load = () => (modules ??= Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('./mcp-server.js')]));
  const authenticate = async (request: Request, response: Response): Promise<Principal | null> => {
    const token = bearerToken(request.headers.authorization);
    const principal = token ? await options.authenticator.authenticate(token) : null;
    if (!principal) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="vigie", error="invalid_token"');
      jsonRpcError(response, 401, -32001, 'Unauthorized: send a Vigie API token as Authorization: Bearer vig_…');
    }
    return principal;
  };
  router.post('/mcp', express.json({ limit: options.bodyLimit, type: 'application/json' }), async (request, response) => {
    const principal = await authenticate(request, response);
    if (!principal) return;
    response.locals.route = '/mcp';
    const baseUrl = `${request.protocol}://${request.get('host') ?? 'localhost'}`;
    const [{ StreamableHTTPServerTransport }, { createVigieMcpServer }] = await load();
    const server = createVigieMcpServer(options, principal, baseUrl);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      transport.close().catch((error: unknown) => options.logger.warn({ err: error }, 'MCP transport close failed'));
      server.close().catch((error: unknown) => options.logger.warn({ err: error }, 'MCP server close failed'));
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  router.all('/mcp', async (request, response) => {
    if (!(await authenticate(request, response))) return;
    response.setHeader('Allow', 'POST');
    jsonRpcError(response, 405, -32000, 'Method not allowed: this MCP endpoint is stateless, use POST');
  });
  return router;
}
