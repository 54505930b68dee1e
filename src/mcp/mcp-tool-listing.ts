/**
 * How Vigie's registry looks to an MCP client: each tool with its title, description, input
 * schema, one shared output schema (the execution) and annotations derived from its risk, so
 * a client can tell a lookup from a change before calling anything.
 */
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/principal.js';
import type { ChannelAllowlist } from '../tools/pipeline/channel-allowlist.js';
import { may } from '../auth/policy.js';
import type { RiskLevel } from '../tools/tool-contract.js';
import { toolJsonSchema, type RegisteredTool, type ToolRegistry } from '../tools/tool-registry.js';

/** The tool that reads an execution's state (not in the registry: it is the pipeline itself). */
export const EXECUTION_TOOL = 'vigie_execution';

/** MCP annotations from a risk class: read-only, mutating, or destructive. */
export function annotationsFor(risk: RiskLevel, title: string): ToolAnnotations {
  if (risk === 'read') return { title, readOnlyHint: true, destructiveHint: false, openWorldHint: false };
  if (risk === 'mutate') return { title, readOnlyHint: false, destructiveHint: false, openWorldHint: false };
  return { title, readOnlyHint: false, destructiveHint: true, openWorldHint: false };
}

/** Every tool result is an execution: this is its shape for MCP clients (structuredContent). */
export const EXECUTION_OUTPUT_SCHEMA = {
  type: 'object' as const,
  properties: {
    executionId: { type: 'string', description: 'The execution id (GET /api/executions/{id}, or the vigie_execution tool)' },
    tool: { type: 'string' },
    status: {
      type: 'string',
      enum: ['pending_approval', 'queued', 'running', 'succeeded', 'failed', 'denied', 'expired', 'timed_out', 'cancelled'],
    },
    riskLevel: { type: 'string', enum: ['read', 'mutate', 'disruptive'] },
    arguments: { type: 'object', description: 'What will run (secrets redacted)' },
    result: { description: "The tool's structured result once it finished" },
    approval: {
      type: 'object',
      description: 'Present while waiting: who may approve and where',
      properties: {
        approversNeeded: { type: 'number' },
        requesterMayApprove: { type: 'boolean' },
        expiresAt: { type: ['string', 'null'] },
        approveUrl: { type: 'string' },
        consoleUrl: { type: 'string' },
        message: { type: 'string' },
      },
    },
  },
  required: ['executionId', 'tool', 'status'],
};

const titleOf = (name: string) => name.replace(/[._-]+/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());

function inputSchemaOf(entry: RegisteredTool): Tool['inputSchema'] {
  const schema = toolJsonSchema(entry.tool);
  const { $schema: _ignored, ...rest } = schema;
  return rest.type === 'object' ? (rest as Tool['inputSchema']) : { type: 'object' };
}

/** The MCP view of one registry tool. */
export function mcpTool(entry: RegisteredTool): Tool {
  const title = entry.tool.title ?? titleOf(entry.tool.name);
  const approval =
    entry.tool.risk === 'read'
      ? ''
      : entry.tool.risk === 'mutate'
        ? " Needs an operator's approval: returns the pending execution at once."
        : ' Disruptive: needs the approval of an operator other than the caller; returns the pending execution at once.';
  return {
    name: entry.tool.name,
    title,
    description: `${entry.tool.description}${approval}`,
    inputSchema: inputSchemaOf(entry),
    outputSchema: EXECUTION_OUTPUT_SCHEMA,
    annotations: annotationsFor(entry.tool.risk, title),
    // A call that waits for a human can be a task (completed when someone approves or denies).
    ...(entry.tool.risk === 'read' ? {} : { execution: { taskSupport: 'optional' as const } }),
  };
}

/** The `vigie_execution` tool's listing. */
export function executionTool(): Tool {
  return {
    name: EXECUTION_TOOL,
    title: 'Execution state',
    description:
      'Reads the state of an execution (pending approval, running, succeeded… with its result), e.g. one a mutating call returned.',
    inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'The execution id' } }, required: ['id'] },
    outputSchema: EXECUTION_OUTPUT_SCHEMA,
    annotations: annotationsFor('read', 'Execution state'),
  };
}

/** True when the principal may see and call the tool over MCP (role, `mcp` allowlist, availability). */
export function mcpVisible(registry: ToolRegistry, allowlist: ChannelAllowlist, principal: Principal, entry: RegisteredTool): boolean {
  return (
    may(principal, 'tool.run', {
      minRole: entry.tool.minRole,
      channel: { allowlist, channel: 'mcp', tool: entry.tool.name, toolset: entry.toolset.name },
    }) && !registry.unavailableReason(entry.tool.name)
  );
}
