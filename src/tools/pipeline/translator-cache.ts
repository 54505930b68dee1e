/**
 * The translators result views are written with, one per locale, kept by the execution
 * service: a view makes several messages per run, and an i18next `t()` costs tens of µs
 * (one Intl.NumberFormat to build per translator, more under load), which was the largest
 * part of a routed read's own CPU (docs/performance.md). The catalog is constant, so a
 * message is a pure function of its key and variables: the last ones are remembered, a
 * bounded number per locale.
 */
import { createTranslator, DEFAULT_LOCALE, resolveLocale, type Locale, type MessageVars, type Translator } from '../../contracts/i18n.js';

/** Messages remembered per locale before the memo starts over. */
const MAX_MESSAGES = 2_000;

/** Translators by locale, each with its messages memoised. */
export class TranslatorCache {
  private readonly translators = new Map<Locale, Translator>();

  /** The translator of `locale` (any tag; unsupported or missing: `fallback`). */
  for(locale: unknown, fallback: Locale = DEFAULT_LOCALE): Translator {
    const resolved = resolveLocale(locale) ?? fallback;
    let translator = this.translators.get(resolved);
    if (!translator) {
      translator = memoised(createTranslator(resolved));
      this.translators.set(resolved, translator);
    }
    return translator;
  }
}

function memoised(base: Translator): Translator {
  const messages = new Map<string, string>();
  return {
    ...base,
    locale: base.locale,
    t: (key: string, vars?: MessageVars) => {
      // Variables that are not plain text, finite numbers or booleans (a Date, an object) are translated every time.
      const plain = vars === undefined || Object.values(vars).every(isPlain);
      if (!plain) return base.t(key, vars);
      const memoKey = vars === undefined ? key : `${key}\u0000${JSON.stringify(vars)}`;
      let message = messages.get(memoKey);
      if (message === undefined) {
        message = base.t(key, vars);
        if (messages.size >= MAX_MESSAGES) messages.clear();
        messages.set(memoKey, message);
      }
      return message;
    },
  };
}

const isPlain = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
