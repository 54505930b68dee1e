/**
 * The message catalog: both locales hold the same keys with the same variables, locale tags
 * from outside resolve (or are refused) without throwing, and Intl formats in the locale.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGS, createTranslator, hasMessage, localeOr, parseAcceptLanguage, resolveLocale, t } from './i18n.js';

function flatten(node: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [inner, text] of flatten(value, path)) out.set(inner, text);
  }
  return out;
}
const variables = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((match) => match[1]).sort();

describe('i18n catalog', () => {
  it('has the same keys and the same variables in English and French', () => {
    const en = flatten(CATALOGS.en);
    // toolDescription.* is French only: English help reads the tools' own descriptions.
    const fr = new Map([...flatten(CATALOGS.fr)].filter(([key]) => !key.startsWith('toolDescription.')));
    assert.deepEqual([...fr.keys()].sort(), [...en.keys()].sort());
    for (const [key, text] of en) assert.deepEqual(variables(fr.get(key)!), variables(text), key);
    assert.ok(en.size > 50);
  });

  it('translates with variables, falls back to English then to the key, never escapes', () => {
    assert.equal(t('fr', 'approval.approve'), 'Approuver');
    assert.equal(t('en-GB', 'approval.approve'), 'Approve');
    assert.equal(t('fr-CA', 'approval.notDecided', { decision: 'approuvé', reason: '<b>x</b> & "y"' }), 'Non approuvé : <b>x</b> & "y"');
    assert.equal(t('de', 'approval.approve'), 'Approve', 'unsupported → default');
    assert.equal(t('fr', 'no.such.key'), 'no.such.key');
    assert.equal(hasMessage('approval.approve'), true);
    assert.equal(hasMessage('approval'), false);
    assert.equal(hasMessage('__proto__.x'), false);
  });

  it('resolves locale tags and refuses hostile ones', () => {
    assert.equal(resolveLocale('fr'), 'fr');
    assert.equal(resolveLocale('fr-FR'), 'fr');
    assert.equal(resolveLocale('fr_CA'), 'fr');
    assert.equal(resolveLocale(' EN-us '), 'en');
    for (const bad of [
      '',
      'de-DE',
      'fr\u0000',
      '\uD800fr',
      'f',
      'fr-' + 'x'.repeat(100),
      'x'.repeat(10_000),
      '%E0%A4%A',
      '__proto__',
      '<script>',
      null,
      42,
      {},
    ]) {
      assert.equal(resolveLocale(bad), undefined, String(bad).slice(0, 20));
    }
    assert.equal(localeOr('zz', 'fr'), 'fr');
  });

  it('parses Accept-Language by quality, ignoring junk', () => {
    assert.equal(parseAcceptLanguage('fr-CA,fr;q=0.9,en;q=0.5'), 'fr');
    assert.equal(parseAcceptLanguage('de;q=1, en;q=0.2, fr;q=0.8'), 'fr');
    assert.equal(parseAcceptLanguage('en, fr'), 'en');
    assert.equal(parseAcceptLanguage('*'), undefined);
    assert.equal(parseAcceptLanguage('fr;q=0, en;q=abc'), undefined);
    assert.equal(parseAcceptLanguage('fr\u0000'), undefined);
    assert.equal(parseAcceptLanguage('fr,'.repeat(5_000)), undefined, 'huge header');
    assert.equal(parseAcceptLanguage(''), undefined);
    assert.equal(parseAcceptLanguage(undefined), undefined);
  });

  it('formats numbers, units, dates and lists in the locale', () => {
    const fr = createTranslator('fr');
    const en = createTranslator('en-US');
    assert.equal(fr.number(1234.5).replace(/\s/g, ' '), '1 234,5');
    assert.equal(en.number(1234.5), '1,234.5');
    assert.equal(fr.unit(20, 'megabit-per-second').replace(/\s/g, ' '), '20 Mbit/s');
    assert.match(en.unit(1.5, 'millisecond'), /^1\.5 ms$/);
    assert.equal(fr.unit(3, 'not-a-unit'), '3 not-a-unit');
    assert.match(fr.date('2026-12-06T10:00:00Z', { dateStyle: 'long', timeZone: 'UTC' }), /6 décembre 2026/);
    assert.equal(fr.date('not a date'), 'not a date');
    assert.equal(fr.list(['a', 'b', 'c']), 'a, b et c');
    assert.equal(en.list(['a', 'b', 'c']), 'a, b, and c');
  });
});
