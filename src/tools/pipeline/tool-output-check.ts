/**
 * Checks a tool's result against the tool's `outputSchema`. The pipeline runs the check when
 * VIGIE_CHECK_TOOL_OUTPUT=1 (the test runner sets it) and logs a mismatch as an error without
 * changing the result, so a schema that drifts from what a tool returns shows up in tests.
 */
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { AnyToolDefinition, ToolResult } from '../tool-contract.js';

/** Why a success result does not match the tool's output schema; null when it does (or is not a success). */
export function outputMismatch(tool: Pick<AnyToolDefinition, 'outputSchema'>, result: ToolResult): string | null {
  if (result.status !== 'success') return null;
  const parsed = tool.outputSchema.safeParse(result.data);
  return parsed.success ? null : z.prettifyError(parsed.error).slice(0, 1_000);
}

/** True when results are checked (VIGIE_CHECK_TOOL_OUTPUT=1). */
export function outputCheckEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VIGIE_CHECK_TOOL_OUTPUT === '1';
}

/** Logs (error level) a result that does not match its tool's output schema. */
export function flagOutputMismatch(tool: AnyToolDefinition, result: ToolResult, logger: Logger): void {
  const mismatch = outputMismatch(tool, result);
  if (mismatch) logger.error({ tool: tool.name, mismatch }, 'tool result does not match its outputSchema');
}
