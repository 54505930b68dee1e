/**
 * One readable line about an execution, for chat replies on every channel. The result
 * itself is shown once, by the execution's card (its result view: see
 * src/contracts/execution-card.ts); the line refers to it and never repeats the data.
 */
import { parseResultView, viewOfResult } from '../contracts/result-view.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';

/** Describes what happened to an execution (the card beside it shows the details). */
export function describeExecution(execution: ExecutionView): string {
  const result = execution.result as { status?: string; error?: { message?: string }; message?: string } | null;
  switch (execution.status) {
    case 'pending_approval': {
      const effect = parseResultView(execution.preview)?.headline;
      return `${execution.tool} is waiting for approval by an operator${execution.riskLevel === 'disruptive' ? ' other than you' : ''} (execution ${execution.id}, expires ${execution.expiresAt}).${effect ? ` Approving it: ${effect}.` : ''}`;
    }
    case 'queued':
      return `${execution.tool} is running in the background (execution ${execution.id}).`;
    case 'succeeded': {
      if (result?.status === 'no_data') return `${execution.tool}: ${result.message ?? 'no data'}`;
      const headline = viewOfResult(execution.result)?.headline;
      return headline ? `${execution.tool}: ${headline}` : `${execution.tool} succeeded.`;
    }
    default:
      return `${execution.tool} ${execution.status.replace('_', ' ')}${result?.error?.message ? `: ${result.error.message}` : ''}.`;
  }
}
