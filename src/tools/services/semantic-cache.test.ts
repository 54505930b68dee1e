/**
 * The semantic cache: near-identical wordings share an entry, different filters never do,
 * entries expire and are evicted least-recently-used, and clear() forgets everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lexicalVector } from '../../inference/lexical-embedder.js';
import { SemanticCache } from './semantic-cache.js';

describe('semantic cache', () => {
  it('matches near-identical needs with the same filters only', () => {
    let now = 0;
    const cache = new SemanticCache<string>({ ttlMs: 1000, now: () => now });
    cache.set('douala', lexicalVector('plombier pas cher'), 'first');
    assert.equal(cache.get('douala', lexicalVector('plombier pas cher'))?.value, 'first');
    assert.equal(cache.get('douala', lexicalVector('Plombier  pas  cher'))?.value, 'first');
    assert.equal(cache.get('paris', lexicalVector('plombier pas cher')), undefined);
    assert.equal(cache.get('douala', lexicalVector('électricien')), undefined);
    now = 1001;
    assert.equal(cache.get('douala', lexicalVector('plombier pas cher')), undefined, 'expired');
  });

  it('evicts the least recently used and clears', () => {
    const cache = new SemanticCache<number>({ maxEntries: 2 });
    cache.set('a', lexicalVector('plombier'), 1);
    cache.set('b', lexicalVector('menuisier'), 2);
    assert.equal(cache.get('a', lexicalVector('plombier'))?.value, 1);
    cache.set('c', lexicalVector('coiffeuse'), 3);
    assert.equal(cache.get('b', lexicalVector('menuisier')), undefined);
    assert.equal(cache.get('a', lexicalVector('plombier'))?.value, 1);
    cache.clear();
    assert.equal(cache.size, 0);
    const disabled = new SemanticCache<number>({ maxEntries: 0 });
    disabled.set('a', lexicalVector('plombier'), 1);
    assert.equal(disabled.get('a', lexicalVector('plombier')), undefined);
  });
});
