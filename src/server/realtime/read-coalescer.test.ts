/**
 * ReadCoalescer (issue #20): identical concurrent catch-up reads share one database read,
 * and a request is never answered by a read that started before it arrived.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadCoalescer } from './read-coalescer.js';

/** A read whose completion the test controls; `value` is what the store holds when it starts. */
function controlled(store: { value: number }) {
  const started: Array<{ saw: number; finish(): void; fail(error: Error): void }> = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      const saw = store.value;
      started.push({ saw, finish: () => resolve(saw), fail: reject });
    });
  return { started, read };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadCoalescer', () => {
  it('answers requests that queued during a read with one later read that saw what they came for', async () => {
    const store = { value: 1 };
    const coalescer = new ReadCoalescer<number>();
    const { started, read } = controlled(store);
    const first = coalescer.run('k', read);
    await tick();
    assert.equal(started.length, 1);
    // Written after the first read began: requests from now on must see it.
    store.value = 2;
    const later = Array.from({ length: 500 }, () => coalescer.run('k', read));
    await tick();
    assert.equal(started.length, 1, 'the queued requests wait for the running read to end');
    started[0]!.finish();
    assert.equal(await first, 1);
    await tick();
    assert.equal(started.length, 2, 'one read for all 500 queued requests');
    started[1]!.finish();
    assert.deepEqual(new Set(await Promise.all(later)), new Set([2]));
    assert.deepEqual(coalescer.stats, { reads: 2, requests: 501 });
    assert.equal(coalescer.size, 0);
  });

  it('keeps keys apart, passes failures to the requests that shared the read, and recovers', async () => {
    const store = { value: 7 };
    const coalescer = new ReadCoalescer<number>();
    const { started, read } = controlled(store);
    const a = coalescer.run('a', read);
    const b = coalescer.run('b', read);
    await tick();
    assert.equal(started.length, 2);
    const queued = coalescer.run('a', read);
    started[0]!.fail(new Error('database down'));
    await assert.rejects(a, /database down/);
    await tick();
    started[2]!.fail(new Error('still down'));
    await assert.rejects(queued, /still down/);
    started[1]!.finish();
    assert.equal(await b, 7);
    const again = coalescer.run('a', read);
    await tick();
    started[3]!.finish();
    assert.equal(await again, 7);
    assert.equal(coalescer.size, 0);
  });

  it('accepts hostile keys as opaque strings (NUL, lone surrogates, empty, huge)', async () => {
    const coalescer = new ReadCoalescer<string>();
    for (const key of ['', '\u0000', '\ud800', 'x'.repeat(100_000)]) assert.equal(await coalescer.run(key, async () => key), key);
    assert.equal(coalescer.size, 0);
  });
});
