/**
 * The pipeline's side of result views: after a tool runs, its view builder (or the generic
 * one) turns the result into a readable view stored beside the data (`result.view`); before
 * an approval, its preview builder (or the arguments) shows what approving will do. A
 * builder that throws never fails the execution: it is logged and the generic view is used.
 * Views are built in the requester's language (the execution's locale): every fixed word
 * comes from the catalog (`view.*`), data values (names, hosts, titles) are left as they are.
 */
import { createTranslator, type Locale, type Translator } from '../../contracts/i18n.js';
import type { ResultView, Tone, ViewBlock } from '../../contracts/result-view.js';
import type { Logger } from '../../logger.js';
import type { Principal } from '../../auth/principal.js';
import type { ToolDefinition, ToolResult } from '../tool-contract.js';
import { asRecord, asText, english, view } from '../view-format.js';
import { failedView } from './failed-view.js';

const MAX_FIELDS = 16;
const MAX_TABLES = 4;

function scalar(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Scalar members of an object as fields (one level of nesting flattened as `a.b`). */
function fieldsOf(record: Record<string, unknown>): Array<{ label: string; value: string }> {
  const fields: Array<{ label: string; value: string }> = [];
  for (const [key, value] of Object.entries(record)) {
    const text = scalar(value);
    if (text !== null) fields.push({ label: key, value: text });
    else if (Array.isArray(value) && value.every((item) => scalar(item) !== null))
      fields.push({ label: key, value: value.map((item) => scalar(item)).join(', ') });
    else {
      const nested = asRecord(value);
      if (nested)
        for (const [inner, innerValue] of Object.entries(nested)) {
          const innerText = scalar(innerValue);
          if (innerText !== null) fields.push({ label: `${key}.${inner}`, value: innerText });
        }
    }
    if (fields.length >= MAX_FIELDS) break;
  }
  return fields;
}

/** An array of objects as a table of their scalar members. */
function tableOf(title: string | undefined, items: unknown[]): ViewBlock | null {
  const records = items.map(asRecord).filter((item): item is Record<string, unknown> => item !== null);
  if (records.length === 0) return null;
  const keys: string[] = [];
  for (const record of records.slice(0, 20))
    for (const [key, value] of Object.entries(record)) if (scalar(value) !== null && !keys.includes(key) && keys.length < 8) keys.push(key);
  if (keys.length === 0) return null;
  return {
    type: 'table',
    ...(title ? { title } : {}),
    columns: keys.map((key) => ({
      key,
      label: key,
      ...(records.some((record) => typeof record[key] === 'number') ? { align: 'right' as const } : {}),
    })),
    rows: records
      .slice(0, 100)
      .map((record) =>
        Object.fromEntries(keys.map((key) => [key, typeof record[key] === 'number' ? (record[key] as number) : scalar(record[key])])),
      ),
    total: records.length,
  };
}

/** The view of any result: status headline, scalar fields, arrays of objects as tables. */
export function genericResultView(tool: string, result: ToolResult, i18n: Translator = english()): ResultView {
  if (result.status === 'error') return failedView(tool, result.error, i18n);
  if (result.status === 'no_data')
    return view(
      'generic',
      result.message ? i18n.t('view.generic.message', { tool, message: result.message }) : i18n.t('view.generic.noData', { tool }),
      'info',
      [],
    );
  if (result.status === 'approval_required') return view('generic', i18n.t('view.generic.waiting', { tool }), 'pending', []);
  const data: unknown = result.data;
  const blocks: Array<ViewBlock | null> = [];
  const text = scalar(data);
  if (text !== null) blocks.push({ type: 'text', text });
  else if (Array.isArray(data))
    blocks.push(
      tableOf(undefined, data) ?? {
        type: 'text',
        text: data
          .map((item) => scalar(item) ?? '')
          .filter(Boolean)
          .join('\n'),
      },
    );
  else {
    const record = asRecord(data) ?? {};
    const fields = fieldsOf(record);
    if (fields.length) blocks.push({ type: 'fields', fields });
    let tables = 0;
    for (const [key, value] of Object.entries(record)) {
      if (!Array.isArray(value) || tables >= MAX_TABLES) continue;
      const table = tableOf(key, value);
      if (table) {
        blocks.push(table);
        tables += 1;
      }
    }
  }
  return view('generic', i18n.t('view.generic.succeeded', { tool }), 'ok', blocks);
}

/** The description of a tool in the reader's language: the catalog's (`toolDescription.<tool>`) when it has one. */
function describedIn(tool: ToolDefinition, i18n: Translator): string {
  const key = `toolDescription.${tool.name}`;
  const translated = /^[\w.-]{1,100}$/.test(tool.name) ? i18n.t(key) : key;
  return translated === key ? tool.description : translated;
}

/** The default approval preview: the (redacted) arguments as fields. */
export function argumentsView(tool: ToolDefinition, args: unknown, i18n: Translator = english()): ResultView {
  const record = asRecord(args) ?? {};
  const fields = Object.entries(record)
    .slice(0, MAX_FIELDS)
    .map(([label, value]) => ({ label, value: scalar(value) ?? JSON.stringify(value) ?? '' }));
  return view('approval.arguments', i18n.t('view.arguments.headline', { tool: tool.title ?? tool.name }), 'pending', [
    fields.length ? { type: 'fields', fields } : { type: 'text', text: i18n.t('view.arguments.none') },
    { type: 'text', text: describedIn(tool, i18n) },
  ]);
}

/** A translator for an execution's stored locale (null or unknown: the default language). */
export function translatorFor(locale: Locale | string | null | undefined): Translator {
  return createTranslator(locale);
}

/** Attaches the tool's view (or the generic one) to a result, in `i18n`'s language, never throwing. */
export function withView(
  tool: ToolDefinition | undefined,
  name: string,
  input: unknown,
  result: ToolResult,
  logger?: Logger,
  i18n: Translator = english(),
): ToolResult {
  let built: ResultView | undefined;
  if (tool?.view) {
    try {
      built = tool.view(input as never, result, i18n);
    } catch (error) {
      logger?.warn({ err: error, tool: name }, 'result view builder failed: the generic view is shown');
    }
  }
  return { ...result, view: { ...(built ?? genericResultView(name, result, i18n)), locale: i18n.locale } };
}

/** The approval preview of a call, in `i18n`'s language: the tool's own (bounded in time), else its arguments. */
export async function previewOf(
  tool: ToolDefinition,
  input: unknown,
  principal: Principal,
  logger?: Logger,
  timeoutMs = 15_000,
  i18n: Translator = english(),
): Promise<ResultView> {
  if (tool.preview) {
    try {
      const built = await tool.preview(input as never, {
        principal,
        signal: AbortSignal.timeout(Math.min(timeoutMs, tool.timeoutMs)),
        i18n,
      });
      if (built) return { ...built, locale: i18n.locale };
    } catch (error) {
      logger?.warn({ err: error, tool: tool.name }, 'approval preview failed: the arguments are shown instead');
      const fallback = argumentsView(tool, input, i18n);
      const note: ViewBlock = {
        type: 'text',
        title: i18n.t('view.arguments.previewUnavailable'),
        text: asText((error as Error)?.message).slice(0, 300) || i18n.t('view.arguments.previewFailed'),
      };
      return { ...view(fallback.kind, fallback.headline, 'warning' satisfies Tone, [...fallback.blocks, note]), locale: i18n.locale };
    }
  }
  return { ...argumentsView(tool, input, i18n), locale: i18n.locale };
}
