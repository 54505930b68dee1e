/**
 * One readable line about an execution, for chat replies on every channel. The result
 * itself is shown once, by the execution's card (its result view: see
 * src/contracts/execution-card.ts); the line refers to it and never repeats the data. It is
 * written in the reader's language: the caller's translator, else the execution's locale.
 */
import { errorReasonText } from '../../contracts/error-reason.js';
import { statusWord } from '../../contracts/execution-card.js';
import { createTranslator, type Translator } from '../../contracts/i18n.js';
import { parseResultView, viewOfResult } from '../../contracts/result-view.js';
import { detailsOf, validationSummary } from '../../contracts/validation-text.js';
import type { ExecutionView } from './execution-view.js';

/** Describes what happened to an execution (the card beside it shows the details). */
export function describeExecution(execution: ExecutionView, i18n: Translator = createTranslator(execution.locale)): string {
  const result = execution.result as { status?: string; error?: { message?: string; details?: unknown }; message?: string } | null;
  const tool = execution.tool;
  switch (execution.status) {
    case 'pending_approval': {
      const effect = parseResultView(execution.preview)?.headline;
      const vars = { tool, id: execution.id, expires: execution.expiresAt ?? '—' };
      const waiting = i18n.t(execution.riskLevel === 'disruptive' ? 'view.execution.waitingOther' : 'view.execution.waiting', vars);
      return effect ? `${waiting} ${i18n.t('view.execution.approving', { effect })}` : waiting;
    }
    case 'queued':
      return i18n.t('view.execution.queued', { tool, id: execution.id });
    case 'succeeded': {
      if (result?.status === 'no_data')
        return i18n.t('view.execution.noData', { tool, message: result.message ?? i18n.t('view.execution.noDataDefault') });
      const headline = viewOfResult(execution.result)?.headline;
      return headline ? i18n.t('view.execution.headline', { tool, headline }) : i18n.t('view.execution.succeeded', { tool });
    }
    default: {
      const status = statusWord(execution.status, i18n);
      // Refused arguments: each problem in the reader's language (the English message is for logs).
      const details = detailsOf(result?.error?.details);
      if (details.length) return i18n.t('view.execution.endedWith', { tool, status, message: validationSummary(details, i18n, 3) });
      // A reason (any tool's localizable refusal) in the reader's language, else the English message.
      const message = errorReasonText(result?.error, i18n) ?? result?.error?.message;
      return message ? i18n.t('view.execution.endedWith', { tool, status, message }) : i18n.t('view.execution.ended', { tool, status });
    }
  }
}
