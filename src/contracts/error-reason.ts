/**
 * Localizable tool errors. An error result keeps its `code` and English `message` (REST and
 * MCP clients, the model, logs read those; `ToolError` in src/tools/tool-contract.ts) and may add a stable `reason` code with raw
 * `params` (`{"reason": "network.target.outside", "params": {"target": "10.0.0.9"}}`); every
 * reader then gets the sentence `reason.<reason>` of the catalog in their language, the params
 * written in as plain text. Any tool can refuse this way (the network guardrails do).
 *
 * Reasons and params are read back from stored rows and socket payloads, so both are checked:
 * a reason must name a catalog sentence under `reason.`, params are plain JSON scalars, and
 * only the variables the sentence names are filled (anything else in `params` is ignored; a
 * missing or non-scalar one reads `?`). Shared by the server and the browser console.
 */
import { CATALOGS, hasMessage, type Locale, type Translator } from './i18n.js';

/** A parameter of a reason: plain data (targets, limits, counts), never translated. */
export type ReasonParam = string | number | boolean | null;

/** A reason with its params, as checked by `reasonOf`. */
export interface ErrorReason {
  reason: string;
  params: Record<string, ReasonParam>;
}

const REASON = /^[a-z][A-Za-z0-9]{0,40}(?:\.[a-z][A-Za-z0-9]{0,40}){1,5}$/;
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;
const MAX_PARAMS = 30;
const MAX_PARAM_TEXT = 500;
const VARIABLE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)/g;

function scalar(value: unknown): ReasonParam | undefined {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return value.slice(0, MAX_PARAM_TEXT);
  return undefined;
}

/**
 * The reason of an error (a tool result's `error`, a stored row, a socket payload), if it has
 * one the catalog can write: a well-formed code with a sentence under `reason.`, params as
 * an object (non-scalar entries dropped, at most 30). Anything else: undefined.
 */
export function reasonOf(error: unknown): ErrorReason | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { reason, params } = error as { reason?: unknown; params?: unknown };
  if (typeof reason !== 'string' || !REASON.test(reason) || !hasMessage(`reason.${reason}`)) return undefined;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return undefined;
  const plain: Record<string, ReasonParam> = {};
  for (const [name, value] of Object.entries((params ?? {}) as Record<string, unknown>).slice(0, MAX_PARAMS)) {
    const checked = scalar(value);
    if (PARAM_NAME.test(name) && checked !== undefined) plain[name] = checked;
  }
  return { reason, params: plain };
}

/** The variables a catalog sentence names (`{{target}}`, `{{count, number}}`), in `locale` and in English. */
function variablesOf(key: string, locale: Locale): Set<string> {
  const names = new Set<string>();
  for (const catalog of new Set([CATALOGS[locale], CATALOGS.en])) {
    let node: unknown = catalog;
    for (const part of key.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (typeof node === 'string') for (const match of node.matchAll(VARIABLE)) names.add(match[1]!);
  }
  return names;
}

/** The sentence of a reason in the reader's language, its params written in as text (a missing or odd one reads `?`). */
export function reasonText(reason: ErrorReason, i18n: Translator): string {
  const key = `reason.${reason.reason}`;
  const vars: Record<string, string | number> = {};
  for (const name of variablesOf(key, i18n.locale)) {
    const value = Object.hasOwn(reason.params, name) ? reason.params[name] : undefined;
    vars[name] = typeof value === 'string' || typeof value === 'number' ? value : typeof value === 'boolean' ? String(value) : '?';
  }
  const text = i18n.t(key, vars);
  const more = reason.params.more;
  return typeof more === 'number' && Number.isInteger(more) && more > 0 ? `${text} ${i18n.t('reason.more', { count: more })}` : text;
}

/** The reader's text of an error with a reason, else undefined (callers fall back to details or the message). */
export function errorReasonText(error: unknown, i18n: Translator): string | undefined {
  const reason = reasonOf(error);
  return reason ? reasonText(reason, i18n) : undefined;
}
