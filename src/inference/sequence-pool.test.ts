import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { SequencePool, type PoolState } from './sequence-pool.js';

describe('sequence pool', () => {
  it('hands freed items to waiters strictly in arrival order', async () => {
    const states: PoolState[] = [];
    const pool = new SequencePool(['a', 'b'], 10, (state) => states.push(state));
    const first = await pool.acquire();
    const second = await pool.acquire();
    const served: number[] = [];
    const waiters = Array.from({ length: 6 }, (_unused, index) =>
      pool.acquire().then((lease) => {
        served.push(index);
        return lease;
      }),
    );
    assert.equal(pool.state().queued, 6);
    first.release();
    second.release();
    const leases = [await waiters[0]!, await waiters[1]!];
    for (let index = 2; index < 6; index += 1) {
      leases.shift()!.release();
      leases.push(await waiters[index]!);
    }
    for (const lease of leases) lease.release();
    assert.deepEqual(served, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(pool.state(), { size: 2, inUse: 0, queued: 0, maxQueueDepth: 10 });
    assert.equal(Math.max(...states.map((state) => state.queued)), 6);
  });

  it('answers busy at once beyond the queue depth, and a depth of 0 means no waiting', async () => {
    const pool = new SequencePool(['only'], 0);
    const lease = await pool.acquire();
    await assert.rejects(pool.acquire(), (error: any) => error.code === 'busy' && error.status === 503);
    lease.release();
    (await pool.acquire()).release();
  });

  it('rejects an already aborted signal without queueing, and rejects waiters on close', async () => {
    const pool = new SequencePool([1], 5);
    await assert.rejects(pool.acquire(AbortSignal.abort()), { name: 'AbortError' });
    const lease = await pool.acquire();
    const waiting = pool.acquire();
    pool.close();
    await assert.rejects(waiting, { code: 'model_unavailable' });
    await assert.rejects(pool.acquire(), { code: 'model_unavailable' });
    lease.release();
  });
});

describe('inference configuration', () => {
  it('has defaults and validates the LLM variables', () => {
    const config = loadConfig({});
    assert.equal(config.LLM_PARALLEL, 4);
    assert.equal(config.LLM_QUEUE_DEPTH, 32);
    assert.equal(config.LLM_GPU, 'auto');
    assert.equal(config.LLM_THREADS, undefined);
    assert.equal(config.LLM_MODEL, undefined);
    assert.equal(loadConfig({ LLM_GPU: 'cpu', LLM_THREADS: '1', EMBEDDING_MODEL: 'e.gguf' }).EMBEDDING_MODEL, 'e.gguf');
    assert.throws(() => loadConfig({ LLM_GPU: 'tpu' }), /LLM_GPU/);
    assert.throws(() => loadConfig({ LLM_PARALLEL: '0' }), /LLM_PARALLEL/);
    assert.throws(() => loadConfig({ LLM_THREADS: 'many' }), /LLM_THREADS/);
  });
});
