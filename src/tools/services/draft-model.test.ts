/**
 * The draft model pass's merge and validation on hand-written model answers, through the
 * real code (zod shape check, then field-by-field validation): rules always win where they
 * found a value, valid model values fill the gaps with source `model`, invalid ones are
 * refused with a reason, and wrong shapes refuse the whole answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateStructured } from '../../inference/structured-generation.js';
import { extractDraft } from './draft-extractor.js';
import {
  draftProposalSchema,
  draftWithModel,
  failedPass,
  mergeDraft,
  rulesFound,
  withoutModel,
  type DraftProposal,
} from './draft-model.js';

const EMPTY: DraftProposal = {
  title: null,
  category: null,
  priceMin: null,
  priceMax: null,
  currency: null,
  city: null,
  availability: null,
};

/** A hand-written answer through the same validation the model's answer goes through. */
function validated(answer: unknown): DraftProposal {
  const result = validateStructured(draftProposalSchema, answer, JSON.stringify(answer), 1);
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result.value;
}

describe('draft model pass: merge and validation', () => {
  const sparse = extractDraft('Je fais des petits travaux, appelez-moi');

  it('starts from a deterministic draft that misses fields', () => {
    const found = rulesFound(sparse);
    assert.deepEqual(found, { title: true, category: false, price: false, currency: false, city: false, availability: false });
  });

  it('fills the gaps with valid model values, coordinates from the gazetteer', () => {
    const merged = mergeDraft(
      sparse,
      validated({
        ...EMPTY,
        category: 'maconnerie',
        priceMin: 5000,
        priceMax: 20000,
        currency: 'XAF',
        city: 'Bonamoussadi',
        availability: 'du lundi au samedi',
      }),
      { modelName: 'toy', tookMs: 12 },
    );
    assert.equal(merged.category, 'maconnerie');
    assert.equal(merged.priceMin, 5000);
    assert.equal(merged.priceMax, 20000);
    assert.equal(merged.currency, 'XAF');
    assert.equal(merged.city, 'Douala');
    assert.equal(merged.place, 'Bonamoussadi');
    assert.equal(merged.country, 'CM');
    assert.equal(merged.latitude, 4.093);
    assert.equal(merged.longitude, 9.744);
    assert.equal(merged.availability, 'du lundi au samedi');
    assert.deepEqual(merged.sources, {
      title: 'rules',
      category: 'model',
      price: 'model',
      currency: 'model',
      city: 'model',
      availability: 'model',
    });
    assert.equal(merged.model.used, true);
    assert.equal(merged.model.reason, null);
    assert.deepEqual(merged.model.accepted, ['category', 'price', 'currency', 'city', 'availability']);
    assert.deepEqual(merged.model.rejected, []);
    assert.equal(merged.model.modelName, 'toy');
  });

  it('never replaces what the rules found', () => {
    const rules = extractDraft('Plombier à Yaoundé, 5000 F la visite, le week-end');
    const merged = mergeDraft(
      rules,
      validated({
        title: 'Autre titre',
        category: 'coiffure',
        priceMin: 1,
        priceMax: 2,
        currency: 'EUR',
        city: 'Paris',
        availability: 'jamais',
      }),
    );
    assert.equal(merged.title, rules.title);
    assert.equal(merged.category, 'plomberie');
    assert.equal(merged.priceMin, 5000);
    assert.equal(merged.currency, 'XAF');
    assert.equal(merged.city, 'Yaoundé');
    assert.equal(merged.latitude, rules.latitude);
    assert.equal(merged.availability, rules.availability);
    assert.deepEqual(merged.sources, {
      title: 'rules',
      category: 'rules',
      price: 'rules',
      currency: 'rules',
      city: 'rules',
      availability: 'rules',
    });
    assert.equal(merged.model.used, false);
    assert.equal(merged.model.reason, 'rejected');
    assert.deepEqual(merged.model.ignored, ['title', 'category', 'price', 'currency', 'city', 'availability']);
  });

  it('replaces a fallback title (none found in the text) with a valid model title', () => {
    const rules = extractDraft('Clim.');
    assert.equal(rules.evidence.titleFrom, 'fallback');
    const merged = mergeDraft(rules, validated({ ...EMPTY, title: '  Dépannage   plomberie ' }));
    assert.equal(merged.title, 'Dépannage plomberie');
    assert.equal(merged.sources.title, 'model');
  });

  it('refuses a category outside the taxonomy and a city outside the gazetteer, keeping the valid fields', () => {
    const merged = mergeDraft(sparse, validated({ ...EMPTY, category: 'astrologie', city: 'Atlantis', currency: 'XOF' }));
    assert.equal(merged.category, null);
    assert.equal(merged.city, null);
    assert.equal(merged.latitude, null);
    assert.equal(merged.currency, 'XOF');
    assert.deepEqual(merged.sources.category, null);
    assert.deepEqual(merged.sources.currency, 'model');
    assert.deepEqual(
      merged.model.rejected.map(({ field, reason }) => [field, reason]),
      [
        ['category', '"astrologie" is not a category of the taxonomy'],
        ['city', '"Atlantis" is not in the gazetteer'],
      ],
    );
    assert.equal(merged.model.used, true);
  });

  it('refuses negative prices, min above max, unknown currencies and a too-short title', () => {
    const negative = mergeDraft(sparse, validated({ ...EMPTY, priceMin: -5, priceMax: 10 }));
    assert.equal(negative.priceMin, null);
    assert.deepEqual(negative.model.rejected, [{ field: 'price', value: { priceMin: -5, priceMax: 10 }, reason: 'priceMin is negative' }]);
    assert.equal(negative.model.used, false);
    assert.equal(negative.model.reason, 'rejected');
    const inverted = mergeDraft(sparse, validated({ ...EMPTY, priceMin: 9000, priceMax: 1000 }));
    assert.equal(inverted.model.rejected[0]?.reason, 'priceMin is greater than priceMax');
    assert.equal(inverted.priceMax, null);
    const huge = mergeDraft(sparse, validated({ ...EMPTY, priceMax: 5e12 }));
    assert.match(huge.model.rejected[0]?.reason ?? '', /priceMax is above/);
    const currency = mergeDraft(sparse, validated({ ...EMPTY, currency: 'BTC' }));
    assert.match(currency.model.rejected[0]?.reason ?? '', /"BTC" is not a currency drafts know/);
    const title = mergeDraft(extractDraft('Clim.'), validated({ ...EMPTY, title: 'ab' }));
    assert.equal(title.model.rejected[0]?.reason, 'a title needs at least 3 characters');
    assert.equal(title.sources.title, 'rules');
  });

  it('accepts an open-ended price (minimum only)', () => {
    const merged = mergeDraft(sparse, validated({ ...EMPTY, priceMin: 300 }));
    assert.equal(merged.priceMin, 300);
    assert.equal(merged.priceMax, null);
    assert.equal(merged.sources.price, 'model');
  });

  it('says so when the model proposed nothing', () => {
    const merged = mergeDraft(sparse, validated(EMPTY));
    assert.equal(merged.model.used, false);
    assert.equal(merged.model.reason, 'rejected');
    assert.match(merged.model.detail ?? '', /proposed nothing/);
  });

  it('refuses answers of the wrong shape as a whole', () => {
    const shapes: unknown[] = [
      { ...EMPTY, priceMin: '5000' },
      { ...EMPTY, category: 42 },
      { ...EMPTY, extra: 'field' },
      { title: 'only a title' },
      [EMPTY],
      'plomberie',
      null,
    ];
    for (const answer of shapes) {
      const result = validateStructured(draftProposalSchema, answer, JSON.stringify(answer), 1);
      assert.equal(result.ok, false, JSON.stringify(answer));
      if (!result.ok) {
        assert.equal(result.reason, 'invalid_schema');
        assert.ok(result.detail.length > 0);
        const report = failedPass(sparse, result, 'toy');
        assert.equal(report.model.reason, 'invalid_output');
        assert.equal(report.model.consulted, true);
        assert.deepEqual(report.sources, withoutModel(sparse, 'no_model').sources);
        assert.equal(report.category, sparse.category);
      }
    }
  });

  it('reports why the model was not used: no model, opted out, disabled, not needed', async () => {
    const rules = { ...sparse, tookMs: 0.1 };
    const none = await draftWithModel(rules, 'x', null);
    assert.equal(none.model.reason, 'no_model');
    assert.equal(none.model.consulted, false);
    const generator = { runtime: { modelName: 'unused' } } as never;
    const optedOut = await draftWithModel(rules, 'x', { generator, timeoutMs: 1000 }, { model: false });
    assert.equal(optedOut.model.reason, 'opted_out');
    const disabled = await draftWithModel(rules, 'x', { generator, timeoutMs: 0 });
    assert.equal(disabled.model.reason, 'disabled');
    const complete = extractDraft('Plombier à Yaoundé, 5000 F la visite, le week-end');
    const notNeeded = await draftWithModel({ ...complete, tookMs: 0.1 }, 'x', { generator, timeoutMs: 1000 });
    assert.equal(notNeeded.model.reason, 'not_needed');
    assert.equal(notNeeded.rulesMs, 0.1);
  });

  it('handles bad input without a model: 10 KB of text and blank text', async () => {
    const long = `Plombier à Douala, 10 000 FCFA. ${'très bon travail '.repeat(650)}`;
    assert.ok(long.length > 10_000);
    const draft = await draftWithModel({ ...extractDraft(long), tookMs: 0 }, long, null);
    assert.equal(draft.category, 'plomberie');
    assert.equal(draft.city, 'Douala');
    assert.ok(draft.title.length <= 91);
    const blank = await draftWithModel({ ...extractDraft('   '), tookMs: 0 }, '   ', null);
    assert.equal(blank.category, null);
    assert.equal(blank.sources.category, null);
    assert.equal(blank.model.reason, 'no_model');
  });
});
