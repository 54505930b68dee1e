/**
 * Validation errors in the reader's language. A `ValidationError` keeps its English message
 * (logs, REST `message`, the model), and each detail carries the raw issue: its zod code,
 * the field path and the issue's parameters (expected type, bounds, format, allowed values,
 * a catalog key for Vigie's own messages) as plain JSON. Readers get the text rendered from
 * that data in their language: zod's own English and French locales for built-in codes, the
 * catalog (`validation.custom.*`) for Vigie's messages. Details without a code (rows stored
 * before this) render their English message as it was.
 *
 * Nothing of the user's input is carried but the field path; path segments and unknown keys
 * are reduced to plain characters, so rendered text never holds markup from the input.
 * Shared by the server and the browser console.
 */
import zodEn from 'zod/v4/locales/en.js';
import zodFr from 'zod/v4/locales/fr.js';
import { errorReasonText } from './error-reason.js';
import { createTranslator, hasMessage, type Locale, type Translator } from './i18n.js';

/** A parameter value of an issue (plain JSON only). */
export type IssueParam = string | number | boolean | null | Array<string | number | boolean | null>;

/** One validation problem, as stored in error details and execution results. */
export interface ValidationDetail {
  /** The field (dotted path), `(arguments)` for the whole input. */
  path: string;
  /** English text (logs, REST clients that read `message`). */
  message: string;
  /** The zod issue code (`too_big`, `invalid_type`, `custom`…), or Vigie's (`unsafe_text`). */
  code?: string;
  /** The issue's parameters; `key` names a `validation.custom.*` message. */
  params?: Record<string, IssueParam>;
}

/** zod's built-in issue codes rendered by its locales. */
export const BUILTIN_CODES = [
  'invalid_type',
  'invalid_value',
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'unrecognized_keys',
  'invalid_key',
  'invalid_union',
  'invalid_element',
] as const;

/** The path of a problem about the whole input. */
export const ROOT_PATH = '(arguments)';

/**
 * Vigie's fixed custom messages (English as written in the schemas) → their catalog key
 * (`validation.custom.<key>`). Messages built at run time carry `params.key` instead.
 */
export const MESSAGE_KEYS: Readonly<Record<string, string>> = {
  'ports must be numbers or ranges like 8000-8010': 'portsNotNumbers',
  'at most 64 ports': 'portsTooMany',
  'between 1 and 1024 targets of at most 253 characters': 'targetsRange',
  'checks among ping, tcp, dns, http, path': 'checksAmong',
  'must be a path like /health': 'httpPath',
  'an interface name': 'interfaceName',
  'an interface name is 1-15 letters, digits, "_", "." or "-"': 'interfaceNameChars',
  'an application or execution id': 'applicationId',
  'a tool name': 'toolName',
  'must be greater than or equal to priceMin': 'priceOrder',
  'latitude and longitude go together': 'latLonTogether',
  'lat and lon go together': 'latLonShort',
  'one of stats, snapshots, top, similar, breakdown, diff, atom': 'dedupQueryKind',
  "letters, digits, '.', '_' or '-'": 'snapshotName',
  'must be 1 to 64 letters, digits, dots, dashes or underscores': 'scheduleName',
  'must not be empty': 'notEmpty',
  'must be at most 500 characters': 'atMost500',
  'must be one line without control characters': 'oneLine',
  'must not contain NUL characters': 'unsafeNul',
  'must not contain lone UTF-16 surrogates (invalid Unicode)': 'unsafeSurrogate',
  'must not be nested deeper than 32 levels': 'tooDeep',
  'is a reserved key': 'reservedKey',
  'key must not contain NUL characters': 'unsafeNulKey',
  'key must not contain lone UTF-16 surrogates (invalid Unicode)': 'unsafeSurrogateKey',
};

const KEY = /^[A-Za-z][\w]{0,63}$/;
const MAX_TEXT = 200;
const MAX_LIST = 20;

// The start of markup: an HTML tag or comment, a Slack/Discord `<@U1>` `<!channel>` `<#C1>`, an entity `&amp;`.
const MARKUP = /<(?=[\p{L}/!@#?:])|(?<=[\p{L}"'/])>|&(?=#?[\p{L}\p{N}]+;?)/gu;

/** Text reduced to plain characters: no markup (tags, entities), control characters, NUL or lone surrogates (each becomes `?`). */
export function plainText(value: string, max = MAX_TEXT): string {
  let out = '';
  for (const char of value) {
    if (out.length >= max) {
      out += '…';
      break;
    }
    const code = char.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) ? '?' : char;
  }
  return out.replace(MARKUP, '?');
}

/** A path segment or key as shown: plain identifier characters only (others become `?`). */
export function plainName(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '?';
  let out = '';
  for (const char of value.slice(0, 128)) {
    if (out.length >= 64) return `${out}…`;
    out += /[\p{L}\p{N}_$-]/u.test(char) ? char : '?';
  }
  return out || '?';
}

function param(value: unknown): IssueParam | undefined {
  if (typeof value === 'string') return plainText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (Array.isArray(value)) {
    const items = value
      .slice(0, MAX_LIST)
      .map(param)
      .filter((item): item is string | number | boolean | null => item !== undefined && !Array.isArray(item));
    return items;
  }
  return undefined;
}

/** The JSON type name of a value, as zod's locales name it (`number`, `array`, `null`…). */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'nan';
  return typeof value;
}

// Parameters a built-in issue may carry (anything else on the issue is left out).
const ISSUE_PARAMS = [
  'expected',
  'origin',
  'format',
  'pattern',
  'prefix',
  'suffix',
  'includes',
  'minimum',
  'maximum',
  'inclusive',
  'exact',
  'divisor',
  'values',
  'options',
] as const;

/** The shape of a zod issue this module reads (zod's own issue type, structurally). */
export interface IssueLike {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  input?: unknown;
  params?: Record<string, unknown>;
  keys?: unknown;
  [name: string]: unknown;
}

/**
 * A union's failure as the issues of the branch that fits the value's type (a port list of
 * 100 numbers: the array branch's `too_big`), or one `invalid_type` when no branch takes
 * the type (a missing field); zod's bare "Invalid input" otherwise.
 */
function expandUnion(issue: IssueLike, depth = 0): IssueLike[] {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || Array.isArray(issue.options) || depth > 4) return [issue];
  const branches = (issue.errors as unknown[]).filter((branch): branch is IssueLike[] => Array.isArray(branch) && branch.length > 0);
  const typed = branches.filter((branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
  if (typed.length > 0) {
    const best = typed.reduce((fewest, branch) => (branch.length < fewest.length ? branch : fewest));
    return best.flatMap((inner) => expandUnion({ ...inner, path: [...issue.path, ...inner.path] }, depth + 1));
  }
  const first = branches[0]?.[0];
  return first ? [{ ...first, path: issue.path }] : [issue];
}

/** Every issue of a failed parse as details (unions expanded, at most `max`). */
export function issueDetails(issues: readonly IssueLike[], max = 50): ValidationDetail[] {
  return issues
    .flatMap((issue) => expandUnion(issue))
    .slice(0, max)
    .map((issue) => issueDetail(issue));
}

/**
 * A zod issue as a detail: English message, code, path and plain parameters. Parse with
 * `reportInput: true` so `invalid_type` can say what it received (only its type is kept).
 */
export function issueDetail(issue: IssueLike, prefix = ''): ValidationDetail {
  const segments = issue.path.map((segment) => (typeof segment === 'symbol' ? '?' : plainName(segment)));
  const path = [...(prefix ? [prefix] : []), ...segments].join('.') || ROOT_PATH;
  const params: Record<string, IssueParam> = {};
  for (const name of ISSUE_PARAMS) {
    const value = param(issue[name]);
    if (value !== undefined) params[name] = value;
  }
  if (issue.code === 'invalid_type') params.received = typeName(issue.input);
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys))
    params.keys = issue.keys.slice(0, MAX_LIST).map((key) => plainName(String(key)));
  const custom = issue.params && typeof issue.params === 'object' ? issue.params : undefined;
  if (custom)
    for (const [name, value] of Object.entries(custom).slice(0, 10)) {
      const plain = param(value);
      if (KEY.test(name) && plain !== undefined) params[name] = plain;
    }
  const known = MESSAGE_KEYS[issue.message];
  if (known && params.key === undefined) params.key = known;
  // A keyed message is written from the catalog (it never echoes the input); others as zod wrote them, made plain.
  const keyed = typeof params.key === 'string' && hasMessage(`validation.custom.${params.key}`);
  const detail: ValidationDetail = { path, message: '', code: issue.code, params };
  // zod's own words are written again from the plain parameters (an unknown key's markup is gone).
  const zodDefault =
    !keyed && (BUILTIN_CODES as readonly string[]).includes(issue.code) && issue.message === unwrap(LOCALE_ERRORS.en(issue as never));
  const message = keyed
    ? createTranslator('en').t(`validation.custom.${String(params.key)}`, customVars(params))
    : zodDefault
      ? (builtInText(detail, 'en') ?? plainText(issue.message, 500))
      : plainText(issue.message, 500);
  return { ...detail, message };
}

/** A detail of Vigie's own checks (unsafe text, nesting): the English reason mapped to its key. */
export function reasonDetail(path: string, message: string): ValidationDetail {
  const key = MESSAGE_KEYS[message];
  return { path: plainText(path, 300), message, code: 'custom', ...(key ? { params: { key } } : {}) };
}

// A value of the type an issue received, for zod's locales (they read only its type).
const SAMPLES: Record<string, unknown> = {
  number: 0,
  nan: Number.NaN,
  string: '',
  boolean: false,
  bigint: 0n,
  symbol: Symbol('input'),
  undefined,
  null: null,
  array: [],
  object: {},
  function: () => undefined,
};

const LOCALE_ERRORS: Readonly<Record<Locale, (issue: never) => string | { message: string } | undefined | null>> = {
  en: zodEn().localeError as never,
  fr: zodFr().localeError as never,
};

const unwrap = (text: string | { message: string } | undefined | null) => (typeof text === 'string' ? text : text?.message);
const num = (value: unknown, fallback = 0) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const list = (value: unknown) => (Array.isArray(value) ? value : []);

/** zod's text of a built-in issue in `locale`, rebuilt from the detail; undefined for other codes or a custom key. */
function builtInText(detail: ValidationDetail, locale: Locale): string | undefined {
  const params = detail.params ?? {};
  if (typeof params.key === 'string' || !(BUILTIN_CODES as readonly string[]).includes(detail.code ?? '')) return undefined;
  const received = typeof params.received === 'string' && Object.hasOwn(SAMPLES, params.received) ? params.received : 'undefined';
  const issue = {
    ...params,
    code: detail.code,
    path: [],
    input: SAMPLES[received],
    minimum: num(params.minimum),
    maximum: num(params.maximum),
    divisor: num(params.divisor, 1),
    values: list(params.values),
    keys: list(params.keys),
    ...(Array.isArray(params.options) ? { options: params.options } : {}),
  };
  const message = unwrap(LOCALE_ERRORS[locale](issue as never));
  return message ? plainText(message, 500) : undefined;
}

/** The variables of a custom message (scalars only, as text or numbers). */
function customVars(params: Record<string, IssueParam>): Record<string, string | number> {
  const vars: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' || typeof value === 'number') vars[name] = value;
    else if (typeof value === 'boolean') vars[name] = String(value);
    else if (Array.isArray(value)) vars[name] = value.map(String).join(', ');
  }
  return vars;
}

/** The text of one problem in the reader's language (without its path). */
export function validationText(detail: ValidationDetail, i18n: Translator): string {
  const key = detail.params?.key;
  if (typeof key === 'string' && KEY.test(key) && hasMessage(`validation.custom.${key}`))
    return i18n.t(`validation.custom.${key}`, customVars(detail.params!));
  const builtIn = builtInText(detail, i18n.locale);
  if (builtIn) return builtIn;
  return plainText(detail.message || i18n.t('validation.invalid'), 500);
}

/** The path as the reader sees it (`(arguments)` in their language). */
export function validationPath(path: string, i18n: Translator): string {
  return path === ROOT_PATH || !path ? i18n.t('validation.root') : plainText(path, 300);
}

/** `path: text` for each problem (at most `max`, then how many more), in the reader's language. */
export function validationSummary(details: readonly ValidationDetail[], i18n: Translator, max = 5): string {
  const lines = details
    .slice(0, max)
    .map((detail) => i18n.t('validation.line', { path: validationPath(detail.path, i18n), text: validationText(detail, i18n) }));
  const more = details.length - max;
  return `${lines.join('; ')}${more > 0 ? ` ${i18n.t('validation.more', { count: more })}` : ''}`;
}

/** Details read back from untrusted JSON (stored rows, socket payloads): well-formed ones only, at most 50. */
export function detailsOf(value: unknown): ValidationDetail[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, 50).flatMap((item): ValidationDetail[] => {
    if (!item || typeof item !== 'object') return [];
    const raw = item as Record<string, unknown>;
    if (typeof raw.path !== 'string' || typeof raw.message !== 'string') return [];
    const params: Record<string, IssueParam> = {};
    if (raw.params && typeof raw.params === 'object' && !Array.isArray(raw.params)) {
      for (const [name, entry] of Object.entries(raw.params as Record<string, unknown>).slice(0, 30)) {
        const plain = param(entry);
        if (KEY.test(name) && plain !== undefined) params[name] = plain;
      }
    }
    return [
      {
        path: raw.path.slice(0, 300),
        message: raw.message.slice(0, 500),
        ...(typeof raw.code === 'string' && KEY.test(raw.code) ? { code: raw.code } : {}),
        ...(Object.keys(params).length ? { params } : {}),
      },
    ];
  });
}

/** The details, each with `text`: its message in the reader's language (REST 400 bodies). */
export function localizedDetails(details: readonly ValidationDetail[], i18n: Translator): Array<ValidationDetail & { text: string }> {
  return details.map((detail) => ({ ...detail, text: validationText(detail, i18n) }));
}

/**
 * The reader's text of an error: its validation details in their language when it carries
 * coded ones (`Arguments invalides : ports : …`), else its reason's sentence when it has one
 * (error-reason.ts: `La cible 10.0.0.9 est hors de NET_ALLOWED_TARGETS`), else its message
 * as it is (English).
 */
export function errorText(error: { message: string; details?: unknown; reason?: unknown; params?: unknown }, i18n: Translator): string {
  const details = detailsOf(error.details).filter((detail) => detail.code !== undefined);
  if (details.length) return i18n.t('validation.invalidInput', { problems: validationSummary(details, i18n) });
  return errorReasonText(error, i18n) ?? error.message;
}
