/**
 * The contract every tool implements. Engines stay plain TypeScript; the registry, the
 * execution pipeline (validate → authorize → approve → timeout → audit) and the LangChain
 * adapter all work from this one shape, so a tool is written once and reachable from the
 * console, REST, the command router, the agent, Slack and Discord alike.
 */
import type { Translator } from '../contracts/i18n.js';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Role } from '../auth/roles.js';
import type { ReasonParam } from '../contracts/error-reason.js';
import type { ResultView } from '../contracts/result-view.js';
import type { ValidationDetail } from '../contracts/validation-text.js';

/** How dangerous a tool is: `mutate` needs an approval, `disruptive` one from another person. */
export type RiskLevel = 'read' | 'mutate' | 'disruptive';

/** Where a request came from. */
export type ToolChannel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';

/** What a tool receives besides its input. */
export interface ToolContext {
  principal: Principal;
  channel: ToolChannel;
  conversationId: string | null;
  /** Aborted on timeout or cancellation: tools must stop work and child processes. */
  signal: AbortSignal;
  traceId: string;
  executionId: string;
  /** Channel-specific ids (Slack channel, Discord guild…), used by per-channel allowlists. */
  externalIds?: Record<string, string>;
  /** Long-running tools report progress here; it reaches the conversation live. */
  reportProgress?: (progress: { message: string; fraction?: number }) => void;
}

/**
 * The error of an error result. `code` and the English `message` are what REST and MCP
 * clients, the model and logs read; `reason` and `params` make it readable in every
 * language: any tool may refuse with a stable reason code whose sentence is `reason.<reason>`
 * in the catalogs (src/contracts/error-reason.ts writes it, the generic failed view shows it).
 */
export interface ToolError {
  /** The error kind (`validation_error`, `forbidden`, `rate_limited`, `not_found`…). */
  code: string;
  /** English text, unchanged for old consumers. */
  message: string;
  /** Field problems of refused arguments (codes and params, written in the reader's language). */
  details?: ValidationDetail[];
  /** A stable reason code, e.g. `network.target.outside` (catalog sentence `reason.network.target.outside`). */
  reason?: string;
  /** The reason's raw parameters (targets, limits, counts: data, never translated); `more` adds "(and N more refused)". */
  params?: Record<string, ReasonParam>;
}

/** Structured result: errors are data the model and the user can read, never exceptions. */
export type ToolResult<Data = unknown> = (
  | { status: 'success'; data: Data; error?: undefined }
  | { status: 'no_data'; data?: Data; error?: undefined; message?: string }
  | { status: 'error'; data?: Data; error: ToolError }
  | { status: 'approval_required'; data: { executionId: string; approversNeeded: number }; error?: undefined }
) & {
  /** The readable view of the result (attached by the pipeline from the tool's `view` builder). */
  view?: ResultView;
};

/** What a preview builder receives: who asks, and a deadline. */
export interface PreviewContext {
  principal: Principal;
  signal: AbortSignal;
  /** The requester's language: every fixed word of the preview comes from the catalog through it. */
  i18n: Translator;
}

/** One tool: its input and output types are inferred from its zod schemas. */
export interface ToolDefinition<Input extends z.ZodType = z.ZodType, Output extends z.ZodType = z.ZodType> {
  /** snake_case, unique across the registry (e.g. `net_check`); external MCP tools are `<server>.<tool>`. */
  name: string;
  /** A short human title (MCP clients show it); default: derived from the name. */
  title?: string;
  /** JSON Schema of the input when it did not come from zod (external MCP tools); wins over inputSchema's. */
  jsonSchema?: Record<string, unknown>;
  /** The output comes from outside Vigie (an external MCP server): the model is told to treat it as data. */
  untrustedOutput?: boolean;
  /** What the tool does, written for the model and for `help`. */
  description: string;
  inputSchema: Input;
  /**
   * zod schema of `data` in a `success` result: `execute` is typed by it, and in test mode the
   * pipeline checks every result against it and flags a mismatch (tool-output-check.ts).
   */
  outputSchema: Output;
  risk: RiskLevel;
  minRole: Role;
  timeoutMs: number;
  /** Extra words the command router accepts (e.g. `net check` for `net_check`). */
  aliases?: string[];
  /** Example command lines shown by `help <tool>`. */
  examples?: string[];
  /** Positional argument names for the router (`net check 10.0.0.1` → target). */
  positional?: string[];
  /** Runs as a durable job (BullMQ with REDIS_URL, in-process otherwise) instead of inline. */
  durable?: boolean;
  execute(input: z.output<Input>, context: ToolContext): Promise<ToolResult<z.input<Output>>>;
  /**
   * The readable view of a result (written in src/tools/<x>/<x>-views.ts); the pipeline
   * stores it beside the data as `result.view`, in the requester's language (`i18n`: the
   * execution's locale; data values are never translated). Absent: the generic view.
   */
  view?(input: z.output<Input>, result: ToolResult, i18n: Translator): ResultView | undefined;
  /**
   * What approving this call will do (the QoS diff and tc commands, the probed targets, the
   * service draft), shown on approval cards. Absent: the arguments, as fields.
   */
  preview?(input: z.output<Input>, context: PreviewContext): Promise<ResultView | undefined>;
}

/** A group of tools that share prerequisites and instructions. */
export interface Toolset {
  name: string;
  description: string;
  /** Added to the agent's system prompt when the toolset is available. */
  instructions?: string;
  tools: ToolDefinition[];
  /** Whether the toolset can run here (binaries, permissions, services); shown on /health. */
  checkPrerequisites(): Promise<{ ok: boolean; detail?: string }>;
  /** Live availability (external MCP servers), consulted on every call, not only at start-up. */
  liveStatus?(): { ok: boolean; detail?: string | undefined };
}

/** Any tool, as registries and toolsets hold them (the schemas keep each one's own types). */
export type AnyToolDefinition = ToolDefinition<z.ZodType, z.ZodType>;

/** Declares a tool; its input and output types are inferred from `inputSchema` and `outputSchema` (no cast). */
export function defineTool<Input extends z.ZodType, Output extends z.ZodType>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}
