/**
 * What an admin registers as an external MCP server, validated at the boundary (REST, CLI):
 * a stdio command with argv (never a shell string) or a Streamable HTTP URL, the risk class
 * its tools get (MCP's own default: disruptive) and per-tool overrides. Secrets (env values,
 * header values) are stored but never shown back.
 */
import { z } from 'zod';
import type { McpServer } from '../generated/prisma/client.js';
import { roleSchema, type Role } from '../auth/roles.js';
import type { RiskLevel } from '../tools/tool-contract.js';

// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/;
/** A UTF-16 surrogate without its pair: not storable, not sendable. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const clean = (max: number, what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .regex(NO_CONTROL, `${what} contains control characters (NUL, escapes…)`)
    .refine((value) => !LONE_SURROGATE.test(value), `${what} contains a lone UTF-16 surrogate (not valid text)`);

/** The risk classes an admin can give a server's tools. */
export const riskSchema = z.enum(['read', 'mutate', 'disruptive']);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const secretMap = (pattern: RegExp, what: string) =>
  z
    .record(
      z.string().regex(pattern, `${what} names must match ${pattern.source}`),
      // One line each: a newline in a header value would split the request (header injection).
      clean(4000, `${what} value`).refine((value) => !value.includes('\n'), `${what} values must be one line`),
    )
    .refine((value) => Object.keys(value).length <= 32, `At most 32 ${what} entries`)
    .default({});

/** Body of POST /api/mcp/servers. */
export const mcpServerInputSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9_-]{0,39}$/,
        'name: 1 to 40 lower-case letters, digits, _ or -, starting with a letter (tools become <name>.<tool>)',
      ),
    transport: z.enum(['stdio', 'http']),
    command: clean(500, 'command').optional(),
    args: z.array(clean(2000, 'argument')).max(64, 'At most 64 arguments').default([]),
    env: secretMap(ENV_NAME, 'env'),
    url: clean(2000, 'url').optional(),
    headers: secretMap(HEADER_NAME, 'header'),
    riskLevel: riskSchema.default('disruptive'),
    toolRisks: z
      .record(clean(64, 'tool name'), riskSchema)
      .refine((value) => Object.keys(value).length <= 200, 'At most 200 tool risk overrides')
      .default({}),
    minRole: roleSchema.default('operator'),
    timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /** Store the server even when the first connection fails (e.g. a server that is down right now). */
    allowOffline: z.boolean().default(false),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.transport === 'stdio') {
      if (!value.command)
        context.addIssue({ code: 'custom', path: ['command'], message: 'A stdio server needs a command (e.g. "npx" with args)' });
      if (value.url) context.addIssue({ code: 'custom', path: ['url'], message: 'A stdio server takes no url' });
      if (Object.keys(value.headers).length)
        context.addIssue({ code: 'custom', path: ['headers'], message: 'Headers apply to http servers only' });
    } else {
      if (!value.url) context.addIssue({ code: 'custom', path: ['url'], message: 'An http server needs a url' });
      else {
        let parsed: URL | undefined;
        try {
          parsed = new URL(value.url);
        } catch {
          parsed = undefined;
        }
        if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname) {
          context.addIssue({
            code: 'custom',
            path: ['url'],
            message: 'url must be an http:// or https:// URL (Streamable HTTP endpoint, e.g. https://grafana-mcp.example/mcp)',
          });
        }
      }
      if (value.command || value.args.length)
        context.addIssue({ code: 'custom', path: ['command'], message: 'An http server takes no command or args' });
      if (Object.keys(value.env).length) context.addIssue({ code: 'custom', path: ['env'], message: 'env applies to stdio servers only' });
    }
  });
/** A validated registration. */
export type McpServerInput = z.output<typeof mcpServerInputSchema>;

/** What the runtime needs of a stored server. */
export interface McpServerSpec {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  env: Record<string, string>;
  url: string | null;
  headers: Record<string, string>;
  riskLevel: RiskLevel;
  toolRisks: Record<string, RiskLevel>;
  minRole: Role;
  timeoutMs: number;
}

/** A stored row as the runtime uses it. */
export function specFromRow(row: McpServer): McpServerSpec {
  return {
    id: row.id,
    name: row.name,
    transport: row.transport === 'http' ? 'http' : 'stdio',
    command: row.command,
    args: z.array(z.string()).catch([]).parse(row.args),
    env: z.record(z.string(), z.string()).catch({}).parse(row.env),
    url: row.url,
    headers: z.record(z.string(), z.string()).catch({}).parse(row.headers),
    riskLevel: riskSchema.catch('disruptive').parse(row.riskLevel),
    toolRisks: z.record(z.string(), riskSchema).catch({}).parse(row.toolRisks),
    minRole: row.minRole,
    timeoutMs: row.timeoutMs,
  };
}

/** The public view: env and header values never leave the server. */
export function publicSpec(spec: McpServerSpec) {
  return {
    id: spec.id,
    name: spec.name,
    transport: spec.transport,
    command: spec.command,
    args: spec.args,
    url: spec.url,
    envNames: Object.keys(spec.env),
    headerNames: Object.keys(spec.headers),
    riskLevel: spec.riskLevel,
    toolRisks: spec.toolRisks,
    minRole: spec.minRole,
    timeoutMs: spec.timeoutMs,
  };
}
