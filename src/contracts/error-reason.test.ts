/**
 * Localizable tool errors (error-reason.ts): a reason code with params in a tool result's
 * error is written in the reader's language wherever the error is shown (the generic failed
 * view, errorText, the chat line, the card's outcome, cards read back from message metadata),
 * while the English message stays for REST, MCP and the model. Junk reasons and params (from
 * stored rows or socket payloads: unknown codes, prototype keys, NUL, lone surrogates, huge or
 * empty text, non-scalars) never break rendering: the English message is shown instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedView } from '../tools/pipeline/failed-view.js';
import { describeExecution } from '../tools/pipeline/execution-summary.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { errorReasonText, reasonOf, reasonText } from './error-reason.js';
import { cardsOfMessage, executionCardOf, outcomeText } from './execution-card.js';
import { createTranslator } from './i18n.js';
import { errorText } from './validation-text.js';

const en = createTranslator('en');
const fr = createTranslator('fr');
const outside = {
  code: 'forbidden',
  message: 'Target 10.0.0.9 is outside NET_ALLOWED_TARGETS',
  reason: 'network.target.outside',
  params: { target: '10.0.0.9' },
};

const failed = (error: unknown): ExecutionView => ({
  id: '00000000-0000-4000-8000-000000000001',
  tool: 'net_check',
  toolset: 'network',
  riskLevel: 'read',
  arguments: {},
  status: 'failed',
  requesterId: 'u',
  requesterName: 'alice',
  channel: 'api',
  conversationId: null,
  approverId: null,
  decidedAt: null,
  expiresAt: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  result: { status: 'error', error },
  progress: null,
  locale: 'fr',
  traceId: 't',
  createdAt: new Date(0).toISOString(),
});

describe('tool error reasons', () => {
  it('writes a reason in the reader language everywhere an error is shown', () => {
    assert.equal(errorReasonText(outside, fr), 'La cible 10.0.0.9 est hors de NET_ALLOWED_TARGETS');
    assert.equal(errorReasonText(outside, en), outside.message);
    assert.equal(errorText(outside, fr), 'La cible 10.0.0.9 est hors de NET_ALLOWED_TARGETS');
    assert.equal(failedView('net_check', outside, fr).headline, 'net_check a échoué : La cible 10.0.0.9 est hors de NET_ALLOWED_TARGETS');
    assert.match(describeExecution(failed(outside), fr), /La cible 10\.0\.0\.9 est hors de NET_ALLOWED_TARGETS/);
    const card = executionCardOf(failed(outside) as unknown as Record<string, unknown>);
    assert.deepEqual(card.errorReason, { reason: 'network.target.outside', params: { target: '10.0.0.9' } });
    assert.equal(card.error, outside.message, 'the English message stays on the card');
    assert.match(outcomeText(card, fr), /La cible 10\.0\.0\.9 est hors de NET_ALLOWED_TARGETS$/);
    // Cards stored in message metadata (JSON) keep the reason.
    const [stored] = cardsOfMessage(JSON.parse(JSON.stringify({ executions: [card] })));
    assert.equal(outcomeText(stored!, fr), outcomeText(card, fr));
    // Validation details win (they say which field); without a reason the message is shown as it is.
    assert.equal(errorText({ message: 'plain' }, fr), 'plain');
  });

  it('fills only the variables of the sentence, a missing or odd one as ?, and adds how many more', () => {
    assert.equal(
      reasonText({ reason: 'network.target.resolvesOutside', params: { target: 'far.lab' } }, fr),
      'La cible « far.lab » se résout en ?, hors de NET_ALLOWED_TARGETS',
    );
    assert.equal(
      reasonText({ reason: 'network.target.outside', params: { target: 'a', more: 2 } }, fr),
      'La cible a est hors de NET_ALLOWED_TARGETS (et 2 autres cibles refusées)',
    );
    assert.equal(
      reasonText({ reason: 'network.target.outside', params: { target: 'a', more: 1 } }, en),
      'Target a is outside NET_ALLOWED_TARGETS (and 1 more refused)',
    );
    assert.equal(
      reasonText({ reason: 'network.limit.targets', params: { limit: 2, got: true } }, en),
      'At most 2 targets per run (NET_MAX_TARGETS); got true',
    );
    // Extra params are ignored: they cannot reach i18next options (lng, ns, replace…).
    assert.equal(
      reasonText({ reason: 'network.target.outside', params: { target: 'a', lng: 'en', ns: 'x', defaultValue: 'y' } }, fr),
      'La cible a est hors de NET_ALLOWED_TARGETS',
    );
  });

  it('refuses junk reasons and keeps hostile params as plain text', () => {
    for (const error of [
      undefined,
      null,
      'network.target.outside',
      {},
      { reason: '' },
      { reason: 'network.target.outside\u0000' },
      { reason: 'network.target.\ud800' },
      { reason: `network.${'a'.repeat(100_000)}` },
      { reason: 'network.target' },
      { reason: 'network.__proto__' },
      { reason: 'constructor.name' },
      { reason: 'more_one' },
      { reason: 'network.target.outside', params: null },
      { reason: 'network.target.outside', params: [] },
      { reason: 'network.target.outside', params: 'x' },
    ]) {
      assert.equal(reasonOf(error), undefined, JSON.stringify(error)?.slice(0, 80));
      if (error && typeof error === 'object')
        assert.equal(errorText({ message: 'English', ...(error as object) }, fr), 'English', JSON.stringify(error).slice(0, 80));
    }
    const hostile = '<b>x</b> {{target}} $t(view.more) \u0000 \ud800 @everyone';
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`p${index}`, index]));
    const checked = reasonOf({
      reason: 'network.target.outside',
      params: { ...many, target: hostile, big: 'x'.repeat(100_000), nan: Number.NaN, nested: { a: 1 }, list: [1], 'bad name': 1 },
    })!;
    assert.ok(Object.keys(checked.params).length <= 30, 'at most 30 params');
    assert.equal(reasonOf({ reason: 'network.target.outside', params: { big: 'x'.repeat(100_000) } })!.params.big, 'x'.repeat(500));
    assert.deepEqual(
      reasonOf({ reason: 'network.target.outside', params: { nan: Number.NaN, nested: { a: 1 }, list: [1], 'bad name': 1 } })!.params,
      {},
    );
    assert.equal(
      errorReasonText({ reason: 'network.target.outside', params: { target: hostile } }, fr),
      `La cible ${hostile} est hors de NET_ALLOWED_TARGETS`,
    );
  });
});
