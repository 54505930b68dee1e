/**
 * Chat payloads obey the boundary's text rules: NUL or lone surrogates are refused with a
 * reply before identity, conversation or storage are touched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BotTurns, type ChatMessage } from './bot-turns.js';

function untouched(): never {
  throw new Error('must not be reached for refused text');
}

describe('bot turns refuse unsafe text', () => {
  const turns = new BotTurns({
    prisma: new Proxy({}, { get: untouched }) as never,
    agent: { runTurn: untouched },
    identities: { resolve: untouched } as never,
  });
  const message = (text: string, externalId = 'U1'): ChatMessage => ({
    account: { provider: 'slack', workspace: 'T1', externalId },
    thread: { channel: 'slack', externalRef: 'slack:T1:C1:1.1', title: 't' },
    text,
    externalIds: { channelId: 'C1' },
    deliveryId: 'd1',
  });

  it('refuses NUL and lone surrogates in the text or the account, naming the field', async () => {
    const nul = await turns.handle(message('status a\u0000b'));
    assert.equal(nul.kind, 'refused');
    assert.match((nul as { reason: string }).reason, /message\.text must not contain NUL/);
    const surrogate = await turns.handle(message('ok', 'U\ud800'));
    assert.match((surrogate as { reason: string }).reason, /message\.account\.externalId .*surrogate/);
    await assert.rejects(turns.principalOf({ provider: 'discord', workspace: '\udc00', externalId: '1' }), { code: 'validation_error' });
  });
});
