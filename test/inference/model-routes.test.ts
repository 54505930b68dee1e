import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { adminBootstrapper } from '../../src/actions/users.js';
import type { Database } from '../../src/db/database.js';
import { createInferenceService, type InferenceService } from '../../src/inference/inference-service.js';
import { createApp, type App } from '../../src/server/app.js';
import { http } from '../support/http-client.js';
import { testBackends } from '../support/test-databases.js';
import { startTestCore } from '../support/test-app.js';
import { STORIES_MODEL } from './test-models.js';

/** A started app over its own core. */
interface Running {
  app: App;
  url: string;
  token: string;
  close(): Promise<void>;
}

async function start(database: Database, inference: InferenceService | undefined): Promise<Running> {
  const core = startTestCore(database, { models: inference });
  const app = createApp({ core, ...(inference ? { healthContributors: { embedder: inference.health } } : {}) });
  const token = `vig_test_admin_${Math.random().toString(36).slice(2)}_${Date.now()}`;
  await adminBootstrapper(database.prisma, app.context.audit, token);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    token,
    async close() {
      await app.close();
      await core.close();
    },
  };
}

describe('GET /api/models', { timeout: 120_000 }, () => {
  let inference: InferenceService;
  before(async () => {
    inference = await createInferenceService({
      LLM_MODEL: STORIES_MODEL,
      LLM_PARALLEL: 2,
      LLM_THREADS: 1,
      LLM_CONTEXT_SIZE: 256,
      LLM_QUEUE_DEPTH: 4,
      LLM_GPU: 'cpu',
      EMBEDDING_MODEL: undefined,
      dataDir: os.tmpdir(),
    });
  });
  after(async () => {
    await inference?.dispose();
  });

  for (const backend of testBackends()) {
    describe(backend.name, () => {
      let database: Database;
      let running: Running;
      before(async () => {
        database = await backend.open();
        running = await start(database, inference);
      });
      after(async () => {
        await running?.close();
        await database?.close();
      });

      it('reports the backend, the loaded model, its sequences and queue', async () => {
        await inference.chat!.generate({ prompt: 'Once upon a time', maxTokens: 8 });
        const response = await http(`${running.url}/api/models`, { token: running.token });
        assert.equal(response.status, 200);
        const body = response.body;
        assert.equal(body.backend, 'cpu');
        assert.deepEqual(body.gpu, { names: [], vram: null });
        assert.equal(body.threads, 1);
        assert.equal(body.chat.name, 'stories260K.gguf');
        assert.equal(body.chat.parallelSequences, 2);
        assert.ok(body.chat.contextSize >= 256);
        assert.deepEqual(body.chat.queue, { size: 2, inUse: 0, queued: 0, maxQueueDepth: 4 });
        assert.ok(body.chat.recent.generations >= 1);
        assert.ok(body.chat.recent.tokensLastMinute >= 1);
        assert.deepEqual(body.embedder, { kind: 'lexical', modelId: 'lexical-v1-384', dimension: 384 });
      });

      it('requires a token, exposes metrics and the active embedder on /health', async () => {
        assert.equal((await http(`${running.url}/api/models`)).status, 401);
        const metrics = await http(`${running.url}/metrics`);
        assert.match(metrics.text, /vigie_llm_tokens_generated_total\{model="stories260K.gguf"} \d+/);
        assert.match(metrics.text, /vigie_llm_time_to_first_token_seconds_bucket/);
        assert.match(metrics.text, /vigie_llm_queue_depth/);
        const health = await http(`${running.url}/health`);
        assert.deepEqual(health.body.embedder, { status: 'ok', kind: 'lexical', modelId: 'lexical-v1-384', dimension: 384 });
        const openapi = await http(`${running.url}/openapi.json`);
        assert.ok(openapi.body.paths['/api/models']);
      });

      it('answers backend none when the app has no inference service', async () => {
        const bare = await start(database, undefined);
        try {
          const response = await http(`${bare.url}/api/models`, { token: bare.token });
          assert.equal(response.status, 200);
          assert.equal(response.body.backend, 'none');
          assert.equal(response.body.chat, null);
        } finally {
          await bare.close();
        }
      });
    });
  }
});
