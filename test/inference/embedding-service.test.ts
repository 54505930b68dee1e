import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Llama } from 'node-llama-cpp';
import { Registry } from 'prom-client';
import { createEmbeddingService, toPgVector, toStoredVector } from '../../src/inference/embedding-service.js';
import { loadLlama } from '../../src/inference/llama-backend.js';
import { ModelEmbedder } from '../../src/inference/model-embedder.js';
import { STORIES_MODEL } from './test-models.js';

const TEXTS = ['Once upon a time there was a cat.', 'Le téléchargement est lent.', 'The server is down again.'];

describe('model embedder (stories260K)', { timeout: 120_000 }, () => {
  let llama: Llama;
  let embedder: ModelEmbedder;
  const registry = new Registry();

  before(async () => {
    llama = await loadLlama({ gpu: 'cpu', threads: 1 });
    embedder = await ModelEmbedder.create({ llama, modelPath: STORIES_MODEL, threads: 1, contextSize: 256, registry });
  });
  after(async () => {
    await embedder?.dispose();
    await llama?.dispose();
  });

  it('takes its dimension from the model and names it in the model id', () => {
    assert.equal(embedder.dimension, 64);
    assert.equal(embedder.modelId, 'stories260K.gguf:64');
  });

  it('is deterministic and L2-normalised', async () => {
    const [first] = await embedder.embed([TEXTS[0]!]);
    const other = await ModelEmbedder.create({ llama, modelPath: STORIES_MODEL, threads: 1, contextSize: 256 });
    try {
      const [second] = await other.embed([TEXTS[0]!]);
      assert.deepEqual(Array.from(first!), Array.from(second!));
    } finally {
      await other.dispose();
    }
    const norm = Math.sqrt(first!.reduce((sum, value) => sum + value * value, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4);
  });

  it('gives the same vectors batched as one by one, and hits the cache', async () => {
    const fresh = await ModelEmbedder.create({ llama, modelPath: STORIES_MODEL, threads: 1, contextSize: 256 });
    try {
      const single: Float32Array[] = [];
      for (const text of TEXTS) single.push((await fresh.embed([text]))[0]!);
      assert.deepEqual(fresh.cacheStats(), { entries: 3, hits: 0, misses: 3 });
      const other = await ModelEmbedder.create({ llama, modelPath: STORIES_MODEL, threads: 1, contextSize: 256 });
      try {
        const batched = await other.embed([...TEXTS, TEXTS[0]!]);
        assert.deepEqual(
          batched.slice(0, 3).map((vector) => Array.from(vector)),
          single.map((vector) => Array.from(vector)),
        );
        assert.deepEqual(Array.from(batched[3]!), Array.from(single[0]!));
        assert.deepEqual(other.cacheStats(), { entries: 3, hits: 1, misses: 3 });
      } finally {
        await other.dispose();
      }
      const again = await fresh.embed(TEXTS);
      assert.deepEqual(fresh.cacheStats(), { entries: 3, hits: 3, misses: 3 });
      assert.deepEqual(
        again.map((vector) => Array.from(vector)),
        single.map((vector) => Array.from(vector)),
      );
      // The cache hands out copies: a caller mutating a vector cannot poison it.
      again[0]!.fill(0);
      assert.deepEqual(Array.from((await fresh.embed([TEXTS[0]!]))[0]!), Array.from(single[0]!));
    } finally {
      await fresh.dispose();
    }
    assert.match(await registry.getSingleMetricAsString('vigie_embeddings_total'), /cache="miss"/);
  });

  it('embeds concurrent requests and texts longer than the context', async () => {
    const long = 'the cat sat on the mat and looked at the sun. '.repeat(80);
    const [left, right] = await Promise.all([embedder.embed([long, 'a']), embedder.embed(['b', long])]);
    assert.deepEqual(Array.from(left![0]!), Array.from(right![1]!));
    assert.equal(left![0]!.length, 64);
  });

  it('honours an aborted signal', async () => {
    await assert.rejects(embedder.embed(['never embedded'], AbortSignal.abort()), { name: 'AbortError' });
  });
});

describe('embedding service selection', { timeout: 60_000 }, () => {
  let directory: string;
  let llama: Llama;
  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'vigie-embed-'));
    llama = await loadLlama({ gpu: 'cpu', threads: 1 });
  });
  after(async () => {
    await llama?.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  it('uses the lexical embedder with no EMBEDDING_MODEL and says so', async () => {
    const service = await createEmbeddingService({
      config: { EMBEDDING_MODEL: undefined, LLM_THREADS: 1, LLM_GPU: 'cpu', dataDir: directory },
    });
    assert.equal(service.kind, 'lexical');
    assert.deepEqual(service.health(), { status: 'ok', kind: 'lexical', modelId: 'lexical-v1-384', dimension: 384 });
    await service.dispose();
  });

  it('loads a GGUF embedding model when configured', async () => {
    const service = await createEmbeddingService({
      config: { EMBEDDING_MODEL: STORIES_MODEL, LLM_THREADS: 1, LLM_GPU: 'cpu', dataDir: directory },
    });
    try {
      assert.equal(service.kind, 'model');
      assert.equal(service.health().dimension, 64);
      const [vector] = await service.embedder.embed(['hello']);
      assert.equal(toStoredVector(vector!).length, 384);
    } finally {
      await service.dispose();
    }
  });

  it('fails clearly on missing, truncated or non-GGUF embedding models', async () => {
    const config = { LLM_THREADS: 1, LLM_GPU: 'cpu' as const, dataDir: directory };
    await assert.rejects(createEmbeddingService({ config: { ...config, EMBEDDING_MODEL: 'absent.gguf' }, llama }), (error: any) => {
      return error.code === 'model_file_invalid' && error.message.includes(path.join(directory, 'models', 'absent.gguf'));
    });
    const notGguf = path.join(directory, 'model.gguf');
    await writeFile(notGguf, 'PK\u0003\u0004 this is a zip file, not a model');
    await assert.rejects(createEmbeddingService({ config: { ...config, EMBEDDING_MODEL: notGguf }, llama }), /Not a GGUF file/);
    const truncated = path.join(directory, 'truncated.gguf');
    await writeFile(truncated, (await readFile(STORIES_MODEL)).subarray(0, 4096));
    await assert.rejects(createEmbeddingService({ config: { ...config, EMBEDDING_MODEL: truncated }, llama }), /Truncated or corrupt GGUF/);
  });
});

describe('stored vectors', () => {
  it('zero-pads shorter vectors (cosine unchanged) and refuses wider ones', () => {
    const padded = toStoredVector(Float32Array.from([0.6, 0.8]), 4);
    assert.deepEqual(Array.from(padded), [0.6000000238418579, 0.800000011920929, 0, 0]);
    assert.throws(() => toStoredVector(new Float32Array(5), 4), /exceeds the stored vector width/);
    assert.equal(toPgVector(Float32Array.from([1, 0.5, Number.NaN])), '[1,0.5,0]');
  });
});
