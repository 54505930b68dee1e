/**
 * The view of a failed or refused call. When the error carries validation details (a call
 * whose arguments failed the tool's schema), the headline says what is wrong and a table
 * lists each field with its problem, written in the reader's language from the details'
 * codes and parameters (src/contracts/validation-text.ts); when it carries a reason (any
 * tool's localizable refusal, src/contracts/error-reason.ts), the reason's sentence in the
 * reader's language; otherwise the error's message.
 */
import { errorReasonText } from '../../contracts/error-reason.js';
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView, ViewBlock } from '../../contracts/result-view.js';
import { detailsOf, validationPath, validationSummary, validationText } from '../../contracts/validation-text.js';
import { view } from '../view-format.js';

const MAX_ROWS = 20;

/** The critical view of an error result, in `i18n`'s language. */
export function failedView(
  tool: string,
  error: { code: string; message: string; details?: unknown; reason?: unknown; params?: unknown },
  i18n: Translator,
): ResultView {
  const details = detailsOf(error.details);
  const code: ViewBlock = { type: 'fields', fields: [{ label: i18n.t('view.generic.errorCode'), value: error.code }] };
  if (details.length === 0) {
    const message = errorReasonText(error, i18n) ?? error.message;
    return view('generic', i18n.t('view.generic.failed', { tool, message }), 'critical', [code]);
  }
  const message = i18n.t('validation.invalidArguments', { tool, problems: validationSummary(details, i18n, 3) });
  const table: ViewBlock = {
    type: 'table',
    title: i18n.t('validation.problems'),
    columns: [
      { key: 'field', label: i18n.t('validation.field') },
      { key: 'problem', label: i18n.t('validation.problem') },
    ],
    rows: details.slice(0, MAX_ROWS).map((detail) => ({ field: validationPath(detail.path, i18n), problem: validationText(detail, i18n) })),
    total: details.length,
  };
  return view('generic', i18n.t('view.generic.refused', { tool, message }), 'critical', [table, code]);
}
