/**
 * The after-ack queue: never more than `concurrency` jobs at once, the rest in arrival order,
 * refusal past the backlog, failures logged and the slot freed, gauges that say what waits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAfterAckQueue } from './after-ack-queue.js';

/** A job that runs until released. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

const silent = pino({ level: 'silent' });

describe('after-ack queue', () => {
  it('runs at most `concurrency` jobs, then the waiting ones in arrival order', async () => {
    const registry = new Registry();
    const queue = createAfterAckQueue({ platform: 'test', concurrency: 2, maxQueued: 10, logger: silent, registry });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    gates.forEach((item, index) =>
      assert.equal(
        queue.submit(async () => {
          started.push(index);
          running += 1;
          most = Math.max(most, running);
          await item.done;
          running -= 1;
        }),
        true,
      ),
    );
    assert.deepEqual(started, [0, 1]);
    assert.equal(queue.active, 2);
    assert.equal(queue.queued, 3);
    assert.match(await registry.metrics(), /vigie_bot_after_ack_jobs\{platform="test",state="waiting"\} 3/);
    gates[1]!.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    for (const item of gates) item.release();
    await queue.idle();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(most, 2);
    assert.match(await registry.metrics(), /state="running"\} 0/);
  });

  it('refuses work past the backlog instead of growing without bound', async () => {
    const queue = createAfterAckQueue({ platform: 'test', concurrency: 1, maxQueued: 1, logger: silent });
    const blocker = gate();
    assert.equal(
      queue.submit(() => blocker.done),
      true,
    );
    assert.equal(
      queue.submit(async () => undefined),
      true,
    );
    assert.equal(
      queue.submit(async () => undefined),
      false,
    );
    blocker.release();
    await queue.idle();
    assert.equal(
      queue.submit(async () => undefined),
      true,
    );
    await queue.idle();
  });

  it('logs a failing job and frees its slot; nonsense bounds are clamped', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const queue = createAfterAckQueue({ platform: 'test', concurrency: 0, maxQueued: -5, logger });
    assert.equal(
      queue.submit(async () => {
        throw new Error('boom');
      }),
      true,
      'concurrency 0 is clamped to 1',
    );
    assert.equal(
      queue.submit(async () => undefined),
      false,
      'a negative backlog is clamped to 0',
    );
    await queue.idle();
    assert.equal(
      queue.submit(async () => undefined),
      true,
    );
    await queue.idle();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /chat job failed.*|boom/);
  });
});
