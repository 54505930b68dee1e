/**
 * `qos plan` with a real GGUF (stories260K, one CPU thread) over real HTTP and through the
 * router: the grammar-constrained answer parses into the intent schema; text the parser
 * reads is planned exactly as without a model; text it cannot read goes to the model, whose
 * reading is either planned (`interpretedBy: 'model'`, with the review warning) or refused
 * with the parser's message plus the model's reason; values the parser refuses never reach
 * the model; a tiny budget falls back to the parser's refusal. Nothing is shaped: the engine's
 * namespace does not exist.
 * stories260K cannot read network intents: this checks mechanics, never quality.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Llama } from 'node-llama-cpp';
import { Registry } from 'prom-client';
import { loadLlama } from '../../src/inference/llama-backend.js';
import { LocalModelService } from '../../src/inference/local-model-service.js';
import { StructuredGenerator } from '../../src/inference/structured-generation.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { assumedCapabilities } from '../../src/tools/qos/capabilities.js';
import { INTENT_SYSTEM_PROMPT, modelIntentSchema } from '../../src/tools/qos/intent-model.js';
import { intentInterpreterFor, MODEL_REVIEW_WARNING, planIntent } from '../../src/tools/qos/intent-planning.js';
import { withCapabilities } from '../../src/capabilities.js';
import { qosCapability } from '../../src/tools/qos/qos-module.js';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { qosToolset, summarisePlan } from '../../src/tools/qos/qos-toolset.js';
import { createCommandRunner, type RunnerStatistics } from '../../src/tools/qos/tc-runner.js';
import { STORIES_MODEL } from '../inference/test-models.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const SKIP = !existsSync(STORIES_MODEL) && `toy model missing: ${STORIES_MODEL} (see shared/models/README.md)`;
if (SKIP) console.log(`# skipping the QoS intent model tests: ${SKIP}`);

const UNREAD = ['please make sure the visio gets 20 Mbit/s on eth1', 'donne la priorité aux appels sur eth1 stp', 'make it fast on eth1'];

describe('qos plan with the stories260K model', { skip: SKIP, timeout: 180_000 }, () => {
  let llama: Llama;
  let model: LocalModelService;
  let harness: TestApp;
  let client: ReturnType<typeof apiClient>;
  const statistics: RunnerStatistics = { processes: 0 };
  let engine: QosEngine;

  before(async () => {
    llama = await loadLlama({ gpu: 'cpu', threads: 1 });
    model = await LocalModelService.create({
      llama,
      modelPath: STORIES_MODEL,
      parallel: 1,
      contextSize: 2048,
      queueDepth: 4,
      threads: 1,
      registry: new Registry(),
    });
    const database = await testBackends()[0]!.open();
    engine = new QosEngine({
      runner: createCommandRunner({ namespace: 'vq-never-created', statistics }),
      store: createMemoryQosStore(),
      guardrails: { allowedInterfaces: ['eth1'], allowDefaultRouteInterface: false },
      capabilities: async () => assumedCapabilities('model pass test'),
    });
    const config = { QOS_INTENT_MODEL_TIMEOUT_MS: 60_000 };
    const toolset = qosToolset(engine, { interpreter: intentInterpreterFor(model, config) });
    harness = await startTestApp(database, {
      localModel: model,
      config,
      capabilities: withCapabilities([qosCapability({ engine })]),
      tools: { toolsets: [coreToolset(database), toolset] },
    });
    client = apiClient(harness.url, harness.adminToken);
  });
  after(async () => {
    await harness?.close();
    await harness?.database.close();
    await model?.dispose();
    await llama?.dispose();
  });

  async function modelCalls(): Promise<number> {
    const metrics = await client.get('/metrics');
    return [...metrics.text.matchAll(/vigie_llm_structured_total\{purpose="qos_intent",outcome="\w+"\} (\d+)/g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  it('gets grammar-constrained output that parses into the intent schema', async () => {
    const result = await new StructuredGenerator(model).generate({
      purpose: 'test',
      schema: modelIntentSchema,
      system: INTENT_SYSTEM_PROMPT,
      user: UNREAD[0]!,
      timeoutMs: 60_000,
      maxTokens: 1024,
    });
    assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.detail}`);
    assert.ok(result.value.clauses.length >= 1);
    assert.doesNotThrow(() => JSON.parse(result.raw));
  });

  it('plans text the parser reads exactly as without a model, never asking the model', async () => {
    const before = await modelCalls();
    const planned = await client.post('/api/qos/validate', { intent: 'guarantee 20 Mbit/s for video on eth1' });
    assert.equal(planned.status, 200, planned.text);
    assert.equal(planned.body.interpretedBy, 'parser');
    assert.equal(planned.body.interpretation, undefined);
    assert.ok(!planned.body.warnings.includes(MODEL_REVIEW_WARNING));
    assert.match(planned.body.batch, /class add dev eth1 parent 1:1 classid 1:10 htb rate 20mbit/);
    const withoutModel = summarisePlan(
      await planIntent(engine, { intent: 'guarantee 20 Mbit/s for video on eth1' }, null, { live: false }),
    );
    assert.deepEqual(planned.body, JSON.parse(JSON.stringify(withoutModel)));
    assert.equal(await modelCalls(), before);
  });

  it('asks the model about text the parser cannot read: a reviewed plan or a refusal with both reasons', async () => {
    for (const intent of UNREAD) {
      const before = await modelCalls();
      const response = await client.post('/api/qos/validate', { intent });
      assert.equal(await modelCalls(), before + 1, intent);
      if (response.status === 200) {
        assert.equal(response.body.interpretedBy, 'model');
        assert.equal(response.body.warnings[0], MODEL_REVIEW_WARNING);
        assert.equal(response.body.interpretation.model, 'stories260K.gguf');
        assert.ok(response.body.interpretation.parserProblems.length > 0);
      } else {
        assert.equal(response.status, 400, response.text);
        assert.equal(response.body.error.code, 'qos_intent_not_understood');
        assert.match(response.body.error.message, /I did not understand|says what traffic but not what to do|does not say which traffic/);
        assert.match(response.body.error.message, /the local model/);
      }
    }
    const metrics = await client.get('/metrics');
    assert.match(metrics.text, /vigie_llm_structured_duration_seconds_count\{purpose="qos_intent",outcome="\w+"\} \d+/);
  });

  it('answers `qos plan "<text>"` through the router with the same mechanics', async () => {
    const response = await client.post('/api/commands', { text: `qos plan "${UNREAD[1]}"` });
    assert.equal(response.status, 200, response.text);
    const result = response.body.result as {
      status: string;
      data?: { interpretedBy: string; warnings: string[] };
      error?: { code: string; message: string };
    };
    if (result.status === 'success') {
      assert.equal(result.data?.interpretedBy, 'model');
      assert.equal(result.data?.warnings[0], MODEL_REVIEW_WARNING);
    } else {
      assert.equal(result.status, 'error');
      assert.match(result.error?.message ?? '', /the local model/);
      assert.match(result.error?.message ?? '', /I did not understand|says what traffic|does not say which traffic/);
    }
  });

  it('never sends values the parser refused to the model', async () => {
    const before = await modelCalls();
    for (const intent of ['limit ssh to 5 MB/s on eth1', 'limit port 70000 to 5M on eth1', '   ']) {
      const response = await client.post('/api/qos/validate', { intent });
      assert.equal(response.status, 400, intent);
      assert.doesNotMatch(response.body.error.message, /local model/);
    }
    assert.equal(await modelCalls(), before);
  });

  it("falls back to the parser's refusal with a tiny time budget", async () => {
    const interpreter = intentInterpreterFor(model, { QOS_INTENT_MODEL_TIMEOUT_MS: 1 })!;
    const reading = await interpreter.interpret(UNREAD[0]!, {});
    assert.equal(reading.ok, false);
    if (!reading.ok) assert.match(reading.reason, /did not answer in time: no answer within the 1 ms budget/);
    const again = await intentInterpreterFor(model, { QOS_INTENT_MODEL_TIMEOUT_MS: 60_000 })!.interpret(UNREAD[0]!, {});
    if (!again.ok) assert.doesNotMatch(again.reason, /in time/);
    assert.equal(intentInterpreterFor(model, { QOS_INTENT_MODEL_TIMEOUT_MS: 0 }), null, '0 turns the pass off');
    assert.equal(intentInterpreterFor(undefined, {}), null);
  });

  it('refuses bad input: a 10 KB intent and an empty one (400)', async () => {
    assert.equal((await client.post('/api/qos/validate', { intent: 'x'.repeat(10_240) })).status, 400);
    assert.equal((await client.post('/api/qos/validate', { intent: '' })).status, 400);
  });
});
