/**
 * One readable line (or a few) about an execution, for chat replies on every channel.
 */
import type { ExecutionView } from '../tools/pipeline/execution-view.js';

const MAX_DATA = 1500;

/** Describes what happened to an execution. */
export function describeExecution(execution: ExecutionView): string {
  const result = execution.result as { status?: string; data?: unknown; error?: { message?: string }; message?: string } | null;
  switch (execution.status) {
    case 'pending_approval':
      return `${execution.tool} is waiting for approval by an operator${execution.riskLevel === 'disruptive' ? ' other than you' : ''} (execution ${execution.id}, expires ${execution.expiresAt}).`;
    case 'queued':
      return `${execution.tool} is running in the background (execution ${execution.id}).`;
    case 'succeeded': {
      if (result?.status === 'no_data') return `${execution.tool}: ${result.message ?? 'no data'}`;
      const data = JSON.stringify(result?.data ?? {}, null, 2);
      return `${execution.tool} succeeded:\n${data.length > MAX_DATA ? data.slice(0, MAX_DATA) + '\n…' : data}`;
    }
    default:
      return `${execution.tool} ${execution.status.replace('_', ' ')}${result?.error?.message ? `: ${result.error.message}` : ''}.`;
  }
}
