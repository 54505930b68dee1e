/**
 * The message catalog (i18next): every fixed string a person reads in the console, the bots
 * and the CLI, in English and French, from `locales/<locale>.json`. Shared by the server and
 * the browser bundle (src/contracts), so one key reads the same everywhere.
 *
 * Interpolated values are NOT escaped here (`escapeValue: false`): each renderer escapes for
 * its own medium (textContent in the console, `escapeSlackText` for Slack, allowed_mentions for
 * Discord), exactly as it does for any other user text.
 *
 * Locale tags come from outside (Slack `users.info`, Discord `interaction.locale`, the
 * browser, `Accept-Language`, the user's profile): `resolveLocale` maps any tag to a supported
 * locale or undefined, never throws, and refuses odd input (NUL, huge strings, bad syntax).
 */
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };

/** The locales Vigie speaks. */
export const SUPPORTED_LOCALES = ['en', 'fr'] as const;

/** A supported locale. */
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** The locale used when nothing better is known (DEFAULT_LOCALE overrides it on the server). */
export const DEFAULT_LOCALE: Locale = 'en';

/** Variables of a message (strings, numbers, dates; `count` selects plural forms). */
export type MessageVars = Record<string, unknown>;

/** Catalog resources, by locale (tests check both have the same keys and variables). */
export const CATALOGS: Readonly<Record<Locale, Record<string, unknown>>> = { en, fr };

/** A translator bound to one locale, with Intl formatting in that locale. */
export interface Translator {
  readonly locale: Locale;
  /** The message `key` with `vars` interpolated; an unknown key falls back to English, then to the key. */
  t(key: string, vars?: MessageVars): string;
  /** A number with the locale's separators (`1 234,5` in French). */
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** A number with a unit (`megabit-per-second`, `millisecond`, `percent`, `byte`…), e.g. `20 Mbit/s`. */
  unit(value: number, unit: string, options?: Intl.NumberFormatOptions): string;
  /** A date and time (ISO string, epoch ms or Date); invalid input comes back as given. */
  date(value: Date | string | number, options?: Intl.DateTimeFormatOptions): string;
  /** A list joined the locale's way (`a, b et c`). */
  list(items: readonly string[]): string;
}

const LOCALE_TAG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,6}$/;

/**
 * The supported locale a BCP 47-ish tag (`fr`, `fr-FR`, `fr_CA`, `en-US`) designates, or
 * undefined for anything else (unsupported language, malformed or hostile text).
 */
export function resolveLocale(tag: unknown): Locale | undefined {
  if (typeof tag !== 'string' || tag.length > 64) return undefined;
  const trimmed = tag.trim();
  if (!LOCALE_TAG.test(trimmed)) return undefined;
  const language = trimmed.split(/[-_]/, 1)[0]!.toLowerCase();
  return (SUPPORTED_LOCALES as readonly string[]).includes(language) ? (language as Locale) : undefined;
}

/** `resolveLocale`, or `fallback` when the tag says nothing usable. */
export function localeOr(tag: unknown, fallback: Locale = DEFAULT_LOCALE): Locale {
  return resolveLocale(tag) ?? fallback;
}

/**
 * The preferred supported locale of an `Accept-Language` header (`fr-CA,fr;q=0.9,en;q=0.5`),
 * highest quality first, or undefined when none is supported or the header is malformed.
 */
export function parseAcceptLanguage(header: unknown): Locale | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > 2_000) return undefined;
  const ranked: Array<{ locale: Locale; q: number; order: number }> = [];
  header.split(',', 50).forEach((part, order) => {
    const [tag, ...params] = part.split(';').map((piece) => piece.trim());
    const locale = resolveLocale(tag);
    if (!locale) return;
    const qParam = params.find((param) => /^q=/i.test(param));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0 || q > 1) return;
    ranked.push({ locale, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked[0]?.locale;
}

/**
 * A catalog with every `<key>_other` also under `<key>_many` where missing: French plural
 * rules answer `many` for large round numbers (1 000 000), which the catalogs do not spell
 * out (they hold `_one` and `_other`, the forms people write).
 */
function withManyForms(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node))
    out[key] = value && typeof value === 'object' ? withManyForms(value as Record<string, unknown>) : value;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && key.endsWith('_other')) {
      const many = `${key.slice(0, -'_other'.length)}_many`;
      if (!Object.hasOwn(out, many)) out[many] = value;
    }
  }
  return out;
}

/** Builds the i18next instance once per process (immutable after init: never changes language). */
function buildI18n(): I18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: { en: { translation: withManyForms(en) }, fr: { translation: withManyForms(fr) } },
    lng: DEFAULT_LOCALE,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...SUPPORTED_LOCALES],
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  return instance;
}

// The catalog is constant data: one i18next instance, built lazily, shared read-only (a memo of
// constants, the same for every app in the process: not state, so exempt from the issue #19 rule).
// eslint-disable-next-line no-restricted-syntax -- memo of the constant catalog (see above)
let shared: I18n | undefined;
// eslint-disable-next-line no-restricted-syntax -- memo of the constant catalog (see above)
const fixed = new Map<Locale, TFunction>();

function fixedT(locale: Locale): TFunction {
  shared ??= buildI18n();
  let found = fixed.get(locale);
  if (!found) {
    found = shared.getFixedT(locale);
    fixed.set(locale, found);
  }
  return found;
}

/** A translator for `locale` (any tag; unsupported or missing → the default locale). */
export function createTranslator(locale: unknown, fallback: Locale = DEFAULT_LOCALE): Translator {
  const resolved = localeOr(locale, fallback);
  const translate = fixedT(resolved);
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const numberFormat = (options: Intl.NumberFormatOptions) => {
    const cacheKey = JSON.stringify(options);
    let format = numberFormats.get(cacheKey);
    if (!format) {
      format = new Intl.NumberFormat(resolved, options);
      numberFormats.set(cacheKey, format);
    }
    return format;
  };
  return {
    locale: resolved,
    t: (key, vars) => String(translate(key, (vars ?? {}) as Record<string, unknown>)),
    number: (value, options = {}) => numberFormat(options).format(value),
    unit: (value, unit, options = {}) => {
      try {
        return numberFormat({ style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 2, ...options }).format(value);
      } catch {
        // Not a unit Intl knows: the number in the locale, then the unit as given.
        return `${numberFormat({ maximumFractionDigits: 2 }).format(value)} ${unit}`;
      }
    },
    date: (value, options = { dateStyle: 'medium', timeStyle: 'short' }) => {
      const date = value instanceof Date ? value : new Date(value);
      return Number.isNaN(date.getTime()) ? String(value) : new Intl.DateTimeFormat(resolved, options).format(date);
    },
    list: (items) => new Intl.ListFormat(resolved, { style: 'long', type: 'conjunction' }).format(items),
  };
}

/** One message in one locale (see Translator.t). */
export function t(locale: unknown, key: string, vars?: MessageVars): string {
  return createTranslator(locale).t(key, vars);
}

/** True when the catalog of `locale` (English, the reference, by default) has `key`. */
export function hasMessage(key: string, locale: Locale = DEFAULT_LOCALE): boolean {
  let node: unknown = CATALOGS[locale];
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, part)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string';
}
