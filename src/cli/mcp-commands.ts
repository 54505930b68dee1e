/**
 * `vigie mcp …`: serve Vigie's tools to a local MCP client over stdio, and manage the
 * external MCP servers whose tools Vigie uses. Everything goes through a running Vigie
 * (VIGIE_URL, default http://127.0.0.1:$PORT) with an API token (VIGIE_TOKEN), so servers
 * are connected, checked and audited by the node that will run them.
 */
import type { Command } from 'commander';
import { tokenizeCommand } from '../tools/pipeline/command-tokenizer.js';
import { AppError, ValidationError } from '../errors.js';
import { serveStdioBridge } from '../mcp/mcp-stdio-bridge.js';

function target(): { url: string; token: string } {
  const token = process.env.VIGIE_TOKEN ?? '';
  if (!token) throw new ValidationError('Set VIGIE_TOKEN to a Vigie API token (an admin token to manage servers)');
  return { url: process.env.VIGIE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`, token };
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const { url, token } = target();
  const response = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new AppError(error?.code ?? 'http_error', response.status, error?.message ?? `HTTP ${response.status}`);
  }
  return parsed;
}

/** Parses repeated `K=V` options into a record. */
export function parsePairs(values: string[], what: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const value of values) {
    const match = /^([^=]+)=(.*)$/s.exec(value);
    if (!match) throw new ValidationError(`${what} must look like NAME=value, got "${value.slice(0, 60)}"`);
    pairs[match[1]!.trim()] = match[2]!;
  }
  return pairs;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `vigie mcp serve|add|list|remove`. */
export function registerMcpCommands(program: Command): void {
  const mcp = program.command('mcp').description("MCP: serve Vigie's tools to MCP clients, use external MCP servers' tools");

  mcp
    .command('serve')
    .description("serve Vigie's tools over stdio for a local MCP client (relays to VIGIE_URL/mcp with VIGIE_TOKEN)")
    .requiredOption('--stdio', 'use the stdio transport')
    .action(async () => {
      await serveStdioBridge(target());
    });

  mcp
    .command('add <name>')
    .description('register an external MCP server: --stdio "<command> <args>" or --url <url>')
    .option('--stdio <commandLine>', 'command line of a stdio server (split like a shell, run without one)')
    .option('--url <url>', 'Streamable HTTP endpoint of an http server')
    .option('--header <K=V>', 'HTTP header for an http server (repeatable)', collect, [])
    .option('--env <K=V>', 'environment variable for a stdio server (repeatable; nothing else is inherited)', collect, [])
    .option('--risk <risk>', 'risk class of its tools: read, mutate or disruptive', 'disruptive')
    .option('--tool-risk <tool=risk>', 'risk class of one tool (repeatable)', collect, [])
    .option('--min-role <role>', 'lowest role that may call its tools', 'operator')
    .option('--timeout-ms <ms>', 'deadline of one call', (value) => Number(value), 60_000)
    .option('--allow-offline', 'store it even if it cannot be started now')
    .action(
      async (
        name: string,
        options: {
          stdio?: string;
          url?: string;
          header: string[];
          env: string[];
          risk: string;
          toolRisk: string[];
          minRole: string;
          timeoutMs: number;
          allowOffline?: boolean;
        },
      ) => {
        if (Boolean(options.stdio) === Boolean(options.url))
          throw new ValidationError('Give exactly one of --stdio "<command> <args>" or --url <url>');
        const words = options.stdio ? tokenizeCommand(options.stdio) : [];
        if (options.stdio && words.length === 0) throw new ValidationError('--stdio needs a command');
        const body = {
          name,
          transport: options.stdio ? 'stdio' : 'http',
          ...(options.stdio
            ? { command: words[0], args: words.slice(1), env: parsePairs(options.env, '--env') }
            : { url: options.url, headers: parsePairs(options.header, '--header') }),
          riskLevel: options.risk,
          toolRisks: parsePairs(options.toolRisk, '--tool-risk'),
          minRole: options.minRole,
          timeoutMs: options.timeoutMs,
          ...(options.allowOffline ? { allowOffline: true } : {}),
        };
        const server = (await api('POST', '/api/mcp/servers', body)) as { name: string; status: { state: string }; tools: string[] };
        console.log(`MCP server ${server.name}: ${server.status.state}, ${server.tools.length} tools`);
        for (const tool of server.tools) console.log(`  ${tool}`);
      },
    );

  mcp
    .command('list')
    .description('registered external MCP servers and their status')
    .action(async () => {
      const { data } = (await api('GET', '/api/mcp/servers')) as {
        data: Array<{ name: string; transport: string; riskLevel: string; status: { state: string; detail?: string }; tools: string[] }>;
      };
      console.table(
        data.map((server) => ({
          name: server.name,
          transport: server.transport,
          risk: server.riskLevel,
          state: server.status.state,
          tools: server.tools.length,
          detail: server.status.detail ?? '',
        })),
      );
    });

  mcp
    .command('remove <name>')
    .description('remove an external MCP server and its tools')
    .action(async (name: string) => {
      await api('DELETE', `/api/mcp/servers/${encodeURIComponent(name)}`);
      console.log(`MCP server ${name} removed`);
    });
}
