/**
 * The console in the browser's language: fixed strings of index.html carry `data-i18n`
 * (text), `data-i18n-placeholder` and `data-i18n-aria-label` keys of the shared catalog
 * (src/contracts/locales), filled once at start-up; the document's `lang` follows. The same
 * locale (navigator.language) is sent on connect so the server answers in it too.
 */
import { createTranslator, localeOr, resolveLocale, type Locale, type Translator } from '../contracts/i18n.js';

/** This browser's language: the first supported one of navigator.languages, else navigator.language. */
export function browserLocale(): Locale {
  return localeOr(navigator.languages?.find((tag) => resolveLocale(tag)) ?? navigator.language);
}

/** The translator for this browser. */
export function browserTranslator(): Translator {
  return createTranslator(browserLocale());
}

/** Fills every marked element of `root` from the catalog (text only: never HTML). */
export function translatePage(root: Document, i18n: Translator): void {
  root.documentElement.lang = i18n.locale;
  root.title = i18n.t('console.title');
  root.querySelectorAll<HTMLElement>('[data-i18n]').forEach((node) => {
    node.textContent = i18n.t(node.dataset.i18n!);
  });
  root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[data-i18n-placeholder]').forEach((node) => {
    node.placeholder = i18n.t(node.dataset.i18nPlaceholder!);
  });
  root.querySelectorAll<HTMLElement>('[data-i18n-aria-label]').forEach((node) => {
    node.setAttribute('aria-label', i18n.t(node.dataset.i18nAriaLabel!));
  });
}
