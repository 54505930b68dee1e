/**
 * Runs one tool call with a deadline and a cancel switch. The tool gets an AbortSignal; a
 * tool that ignores it is still cut loose at the deadline, so no call can hang the pipeline.
 * Thrown errors become `error` results: a tool failure is data, never a crash.
 */
import type { ToolContext, ToolDefinition, ToolResult } from '../tool-contract.js';

/** How a run ended. */
export type RunOutcome = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** The outcome and the structured result. */
export interface RunReport {
  outcome: RunOutcome;
  result: ToolResult;
  durationMs: number;
}

class StopReason {
  constructor(readonly kind: 'timeout' | 'cancelled') {}
}

/** Executes `tool` with `input`; `controller` lets the caller cancel. */
export async function runTool(
  tool: ToolDefinition,
  input: unknown,
  context: Omit<ToolContext, 'signal'>,
  controller: AbortController,
): Promise<RunReport> {
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(new StopReason('timeout')), tool.timeoutMs);
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(controller.signal.reason);
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  stopped.catch(() => undefined);
  try {
    const result = await Promise.race([tool.execute(input, { ...context, signal: controller.signal }), stopped]);
    if (!result || typeof result !== 'object' || !('status' in result)) {
      return report(
        'failed',
        { status: 'error', error: { code: 'bad_result', message: 'The tool returned no structured result' } },
        started,
      );
    }
    return report(result.status === 'error' ? 'failed' : 'succeeded', result, started);
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof StopReason && reason.kind === 'timeout') {
      return report('timed_out', { status: 'error', error: { code: 'timeout', message: `Timed out after ${tool.timeoutMs} ms` } }, started);
    }
    if (controller.signal.aborted) {
      return report('cancelled', { status: 'error', error: { code: 'cancelled', message: 'Cancelled' } }, started);
    }
    const message = error instanceof Error ? error.message : String(error);
    return report('failed', { status: 'error', error: { code: 'tool_error', message: message.slice(0, 2000) } }, started);
  } finally {
    clearTimeout(timer);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
  }
}

function report(outcome: RunOutcome, result: ToolResult, started: number): RunReport {
  return { outcome, result, durationMs: Math.round(performance.now() - started) };
}
