/**
 * The access-change hub on one node: a well-formed change reaches every listener at once,
 * and hostile channel messages (not JSON, unknown kinds, bad ids, extra fields) are dropped
 * without calling any listener or throwing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAccessChanges, type AccessChange } from '../../src/auth/access-changes.js';
import { createLogger } from '../../src/logger.js';

describe('access changes hub', () => {
  it('applies an announced change synchronously, before announce resolves', async () => {
    const hub = createAccessChanges({ logger: createLogger('silent') });
    const seen: AccessChange[] = [];
    hub.onChange((change) => seen.push(change));
    const change: AccessChange = { kind: 'token', tokenId: randomUUID() };
    const pending = hub.announce(change);
    assert.deepEqual(seen, [change]);
    await pending;
    await hub.close();
  });

  it('drops bad channel messages', async () => {
    const hub = createAccessChanges({ logger: createLogger('silent') });
    const seen: AccessChange[] = [];
    hub.onChange((change) => seen.push(change));
    for (const raw of [
      'not json',
      '{}',
      '{"kind":"token","tokenId":"x"}',
      '{"kind":"group","id":"1"}',
      `{"kind":"user","userId":"${randomUUID()}","extra":1}`,
      'null',
      '\u0000',
    ]) {
      hub.receive(raw);
    }
    assert.deepEqual(seen, []);
    const userId = randomUUID();
    hub.receive(JSON.stringify({ kind: 'user', userId }));
    assert.deepEqual(seen, [{ kind: 'user', userId }]);
    await hub.close();
  });
});
