import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Llama } from 'node-llama-cpp';
import { Registry } from 'prom-client';
import { loadLlama } from '../../src/inference/llama-backend.js';
import { LocalModelService } from '../../src/inference/local-model-service.js';
import { STORIES_MODEL, TINY_RANDOM_MODEL } from './test-models.js';

const PROMPTS = ['Once upon a time', 'The little dog', 'Lily went to the park'];

describe('local model service (stories260K, CPU, 1 thread)', { timeout: 120_000 }, () => {
  let llama: Llama;
  let service: LocalModelService;
  const registry = new Registry();

  before(async () => {
    llama = await loadLlama({ gpu: 'cpu', threads: 1 });
    service = await LocalModelService.create({
      llama,
      modelPath: STORIES_MODEL,
      parallel: 3,
      contextSize: 512,
      queueDepth: 2,
      threads: 1,
      registry,
    });
  });
  after(async () => {
    await service?.dispose();
    await llama?.dispose();
  });

  it('loads the model and describes it', () => {
    const status = service.status();
    assert.equal(status.name, 'stories260K.gguf');
    assert.equal(status.architecture, 'llama');
    assert.equal(status.parallelSequences, 3);
    assert.ok(status.contextSize >= 512);
    assert.deepEqual(status.queue, { size: 3, inUse: 0, queued: 0, maxQueueDepth: 2 });
  });

  it('gives the same text from concurrent sequences as from one stream alone (temperature 0)', async () => {
    const alone: string[] = [];
    for (const prompt of PROMPTS) alone.push((await service.generate({ prompt, maxTokens: 24, temperature: 0 })).text);
    assert.ok(alone.every((text) => text.length > 0));
    assert.notEqual(alone[0], alone[1]);
    const together = await Promise.all(PROMPTS.map((prompt) => service.generate({ prompt, maxTokens: 24, temperature: 0 })));
    assert.deepEqual(
      together.map((result) => result.text),
      alone,
    );
    for (const result of together) {
      assert.ok(result.generatedTokens > 0 && result.generatedTokens <= 24);
      assert.ok(result.timeToFirstTokenMs !== null);
    }
  });

  it('streams chunks that add up to the full text', async () => {
    const chunks: string[] = [];
    const result = await service.generate({ prompt: 'Once upon a time', maxTokens: 16, onToken: (chunk) => chunks.push(chunk) });
    assert.ok(chunks.length > 1);
    assert.equal(chunks.join(''), result.text);
  });

  it('answers busy beyond the queue depth, and serves waiters in order', async () => {
    const leases = await Promise.all([service.acquireSequence(), service.acquireSequence(), service.acquireSequence()]);
    const order: number[] = [];
    const first = service.acquireSequence().then((lease) => (order.push(1), lease));
    const second = service.acquireSequence().then((lease) => (order.push(2), lease));
    await assert.rejects(
      service.acquireSequence(),
      (error: any) => error.code === 'busy' && error.status === 503 && /LLM_QUEUE_DEPTH=2/.test(error.message),
    );
    await assert.rejects(service.generate({ prompt: 'x', maxTokens: 2 }), { code: 'busy' });
    assert.equal(service.queueState().queued, 2);
    leases[0]!.release();
    leases[0]!.release(); // idempotent: must not free a second sequence
    const firstLease = await first;
    assert.equal(service.queueState().queued, 1);
    leases[1]!.release();
    const secondLease = await second;
    assert.deepEqual(order, [1, 2]);
    for (const lease of [firstLease, secondLease, leases[2]!]) lease.release();
    assert.deepEqual(service.queueState(), { size: 3, inUse: 0, queued: 0, maxQueueDepth: 2 });
    const metrics = await registry.getSingleMetricAsString('vigie_llm_generations_total');
    assert.match(metrics, /outcome="busy"} 2/);
  });

  it('removes a waiter that aborts while queued', async () => {
    const leases = await Promise.all([service.acquireSequence(), service.acquireSequence(), service.acquireSequence()]);
    const controller = new AbortController();
    const waiting = service.acquireSequence(controller.signal);
    assert.equal(service.queueState().queued, 1);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(service.queueState().queued, 0);
    for (const lease of leases) lease.release();
    assert.equal(service.queueState().inUse, 0);
  });

  it('frees the sequence when a generation is aborted mid-stream', async () => {
    const controller = new AbortController();
    let chunks = 0;
    await assert.rejects(
      service.generate({
        prompt: 'Once upon a time',
        maxTokens: 400,
        signal: controller.signal,
        onToken: () => {
          chunks += 1;
          if (chunks === 3) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(chunks, 3);
    assert.equal(service.queueState().inUse, 0);
    const again = await service.generate({ prompt: 'Once upon a time', maxTokens: 24 });
    const [alone] = [(await service.generate({ prompt: 'Once upon a time', maxTokens: 24 })).text];
    assert.equal(again.text, alone);
  });

  it('shifts the context of a conversation longer than the context', async () => {
    const messages = [{ role: 'system' as const, content: 'You tell short stories.' }];
    const filler = 'Tom had a big red ball and he played with it in the sun every day. ';
    for (let turn = 0; turn < 12; turn += 1) {
      messages.push({ role: 'user' as const, content: filler.repeat(2) } as never);
      messages.push({ role: 'assistant' as const, content: filler } as never);
    }
    messages.push({ role: 'user' as const, content: 'Tell me about Lily.' } as never);
    const result = await service.generate({ messages, maxTokens: 16 });
    assert.ok(result.generatedTokens > 0);
    assert.equal(service.queueState().inUse, 0);
  });

  it('rejects a request with both or neither prompt and messages', async () => {
    await assert.rejects(service.generate({ maxTokens: 1 }), TypeError);
    await assert.rejects(service.generate({ prompt: 'x', messages: [] }), TypeError);
  });
});

describe('local model service (llama-2-tiny-random, large vocabulary)', { timeout: 60_000 }, () => {
  it('loads and generates from a non-ASCII prompt', async () => {
    const llama = await loadLlama({ gpu: 'cpu', threads: 1 });
    const service = await LocalModelService.create({
      llama,
      modelPath: TINY_RANDOM_MODEL,
      parallel: 2,
      contextSize: 256,
      queueDepth: 4,
      threads: 1,
    });
    try {
      const [first, second] = await Promise.all([
        service.generate({ prompt: 'Téléchargement lent — 日本語', maxTokens: 12 }),
        service.generate({ prompt: 'Téléchargement lent — 日本語', maxTokens: 12 }),
      ]);
      assert.equal(first.generatedTokens, 12);
      assert.equal(first.text, second.text);
      assert.equal(service.status().name, 'llama-2-tiny-random.gguf');
    } finally {
      await service.dispose();
      await llama.dispose();
    }
  });
});
