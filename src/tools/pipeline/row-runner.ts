/**
 * Runs the tool of a claimed execution row: the tool with its context (requester, channel,
 * progress reporting, cancellation), then the result view in the requester's language. A
 * row whose tool is no longer registered fails with `unknown_tool`. In test mode the result
 * is checked against the tool's outputSchema (tool-output-check.ts).
 */
import type { Execution } from '../../generated/prisma/client.js';
import type { Locale } from '../../contracts/i18n.js';
import type { Logger } from '../../logger.js';
import type { ToolRegistry } from '../tool-registry.js';
import { requesterOf } from './execution-audit.js';
import type { ProgressChains } from './progress-chains.js';
import { translatorFor, withView } from './result-views.js';
import { runTool, type RunReport } from './tool-runner.js';
import type { TranslatorCache } from './translator-cache.js';
import { flagOutputMismatch, outputCheckEnabled } from './tool-output-check.js';

/** What running a row needs. */
export interface RowRunnerDeps {
  registry: ToolRegistry;
  logger: Logger;
  /** Where progress goes (the row's chain of writes; a read not stored yet stores its row first). */
  progress: Pick<ProgressChains, 'report' | 'settled'>;
  defaultLocale?: Locale | undefined;
  /** The requester's language when the row does not hold it yet (a read run first): awaited once the tool is done. */
  locale?: Promise<string | null> | undefined;
  /** Translators kept by the caller (one per locale); absent: a new one per run. */
  translators?: TranslatorCache | undefined;
  /** Check each result against the tool's outputSchema (default: VIGIE_CHECK_TOOL_OUTPUT=1). */
  checkOutput?: boolean | undefined;
}

/** Runs `row`'s tool under `controller` and returns its report, with the result view attached. */
export async function runRowTool(deps: RowRunnerDeps, row: Execution, controller: AbortController): Promise<RunReport> {
  const registered = deps.registry.get(row.tool);
  const report: RunReport = registered
    ? await runTool(
        registered.tool,
        row.arguments,
        {
          principal: requesterOf(row),
          channel: row.channel,
          conversationId: row.conversationId,
          traceId: row.traceId,
          executionId: row.id,
          externalIds: row.externalIds as Record<string, string>,
          reportProgress: (progress) => deps.progress.report(row.id, progress),
        },
        controller,
      )
    : {
        outcome: 'failed',
        durationMs: 0,
        result: { status: 'error', error: { code: 'unknown_tool', message: `${row.tool} is no longer registered` } },
      };
  await deps.progress.settled(row.id);
  if (registered && (deps.checkOutput ?? outputCheckEnabled())) flagOutputMismatch(registered.tool, report.result, deps.logger);
  const locale = deps.locale ? await deps.locale : row.locale;
  // In the requester's language, stored on the row (an approval hours later keeps it).
  report.result = withView(
    registered?.tool,
    row.tool,
    row.arguments,
    report.result,
    deps.logger,
    deps.translators?.for(locale, deps.defaultLocale) ?? translatorFor(locale ?? deps.defaultLocale),
  );
  return report;
}
