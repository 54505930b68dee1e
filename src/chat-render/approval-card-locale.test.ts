/**
 * Approval cards in the requester's language: the Slack and Discord cards of an execution
 * stored with `locale: 'fr'` read in French (buttons, status, risk, requester, who may
 * approve, who decided); English stays the default; names stay text whatever the language.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { executionMessage } from './discord-execution-card.js';
import { executionBlocks } from './slack-execution-card.js';

const execution = (extra: Partial<ExecutionView> = {}): ExecutionView => ({
  id: '00000000-0000-4000-8000-000000000009',
  tool: 'restart_service',
  toolset: 'ops',
  riskLevel: 'disruptive',
  arguments: { service: 'nginx' },
  status: 'pending_approval',
  requesterId: 'u',
  requesterName: 'alice_<b>*x*</b>',
  channel: 'slack',
  conversationId: null,
  approverId: null,
  decidedAt: null,
  expiresAt: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  result: null,
  progress: null,
  traceId: 't',
  createdAt: '2024-01-01T00:00:00Z',
  ...extra,
});
const discordText = (body: unknown) => JSON.stringify(body).replace(/\\\\(.)/g, '$1');

describe('approval cards in the requester language', () => {
  it('writes the Slack card in French for a French requester, in English by default', () => {
    const french = JSON.stringify(executionBlocks(execution({ locale: 'fr' })));
    assert.match(french, /"text":"Approuver"/);
    assert.match(french, /"text":"Refuser"/);
    assert.match(french, /demandé par alice/);
    assert.match(french, /risque `disruptive`/);
    assert.match(french, /en attente d'approbation/);
    assert.doesNotMatch(french, /requested by|"Approve"|"Deny"|Can approve/);
    const english = JSON.stringify(executionBlocks(execution()));
    assert.match(english, /"text":"Approve"/);
    assert.match(english, /requested by alice/);
    assert.ok(!english.includes('<b>'), 'the name is escaped, never markup');
    const decided = JSON.stringify(
      executionBlocks(execution({ locale: 'fr', status: 'succeeded', result: { status: 'success', data: {} } }), {
        name: 'bob',
        decision: 'approved',
      }),
    );
    assert.match(decided, /Approuvé par bob/);
    assert.doesNotMatch(decided, /vigie_approve/);
  });

  it('writes the Discord card in French for a French requester, in English by default', () => {
    const french = discordText(executionMessage(execution({ locale: 'fr' })));
    assert.match(french, /"label":"Approuver"/);
    assert.match(french, /"label":"Refuser"/);
    assert.match(french, /demandé par alice/);
    assert.match(french, /risque disruptive/);
    assert.doesNotMatch(french, /requested by|"Approve"|Can approve/);
    assert.match(discordText(executionMessage(execution())), /"label":"Approve"/);
    const denied = discordText(executionMessage(execution({ locale: 'fr', status: 'denied' }), { name: 'bob', decision: 'denied' }));
    assert.match(denied, /Refusé par bob/);
    assert.match(denied, /exécution 00000000-0000-4000-8000-000000000009/);
  });
});
