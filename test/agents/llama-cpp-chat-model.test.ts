/**
 * The local provider end to end on a real GGUF (../shared/models/stories260K.gguf, one CPU
 * thread): load, deterministic generation, streaming, a grammar-constrained tool call run
 * through the real pipeline, the agent loop on the local model, and cancellation.
 * stories260K cannot choose tools sensibly; these tests check mechanics, not quality.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { getLlama, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { pino } from 'pino';
import { z } from 'zod';
import { AgentService } from '../../src/agents/agent-service.js';
import { modelToolDefinitions } from '../../src/agents/langchain-tools.js';
import { LlamaCppChatModel } from '../../src/agents/providers/llama-cpp-chat-model.js';
import type { LocalModelRuntime, SequenceLease } from '../../src/inference/inference-contract.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { defineTool, type Toolset } from '../../src/tools/tool-contract.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const MODEL = process.env.VIGIE_TEST_MODEL ?? path.resolve(import.meta.dirname, '../../../shared/models/stories260K.gguf');

/** A one-sequence runtime over the toy model (the real shared service lives in src/inference). */
class TinyRuntime implements LocalModelRuntime {
  readonly modelName = 'stories260K.gguf';
  private turn: Promise<void> = Promise.resolve();
  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaContextSequence,
  ) {}
  async acquireSequence(signal?: AbortSignal): Promise<SequenceLease> {
    let release!: () => void;
    const previous = this.turn;
    this.turn = new Promise((resolve) => (release = resolve));
    await previous;
    signal?.throwIfAborted();
    return { model: this.model, sequence: this.sequence, release };
  }
}

const stories: Toolset = {
  name: 'stories',
  description: 'Story tools',
  async checkPrerequisites() {
    return { ok: true };
  },
  tools: [
    defineTool({
      name: 'tell_story',
      description: 'Record a story title and mood',
      inputSchema: z.object({ title: z.string().min(1).max(30), mood: z.enum(['happy', 'sad']) }).strict(),
      outputSchema: z.unknown(),
      risk: 'read',
      minRole: 'viewer',
      timeoutMs: 5_000,
      async execute(input) {
        return { status: 'success', data: { recorded: input } };
      },
    }),
  ],
};

const backend = testBackends()[0]!;
describe('node-llama-cpp chat model on stories260K', { skip: !existsSync(MODEL) && `model missing: ${MODEL}` }, () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  let runtime: TinyRuntime;
  let harness: TestApp;

  before(async () => {
    llama = await getLlama({ gpu: false, maxThreads: 1, logLevel: 'error' as never });
    model = await llama.loadModel({ modelPath: MODEL });
    context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
    runtime = new TinyRuntime(model, context.getSequence());
    const database = await backend.open();
    harness = await startTestApp(database, { tools: { toolsets: [coreToolset(database), stories] } });
    await harness.app.tools.start();
  });
  after(async () => {
    await harness?.close();
    await harness?.database.close();
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  });

  const chatModel = (fields: { maxTokens?: number } = {}) =>
    new LlamaCppChatModel({ runtime, temperature: 0, maxTokens: fields.maxTokens ?? 24 });

  it('generates deterministically at temperature 0 and reports usage', async () => {
    const first = await chatModel().invoke([new HumanMessage('Once upon a time')]);
    const second = await chatModel().invoke([new HumanMessage('Once upon a time')]);
    assert.equal(typeof first.content, 'string');
    assert.ok(String(first.content).length > 0);
    assert.equal(first.content, second.content);
    assert.ok((first.usage_metadata?.output_tokens ?? 0) > 0);
    assert.equal(first.response_metadata.model_name, 'stories260K.gguf');
  });

  it('streams text in chunks that add up to the full answer', async () => {
    const chunks: string[] = [];
    for await (const chunk of await chatModel().stream([new SystemMessage('You tell stories.'), new HumanMessage('Tell me about a cat')])) {
      if (typeof chunk.content === 'string' && chunk.content) chunks.push(chunk.content);
    }
    assert.ok(chunks.length > 1, `expected several chunks, got ${chunks.length}`);
    const whole = await chatModel().invoke([new SystemMessage('You tell stories.'), new HumanMessage('Tell me about a cat')]);
    assert.equal(chunks.join(''), whole.content);
  });

  it('makes a grammar-constrained tool call that the pipeline validates and runs', async () => {
    const viewer = await harness.createUser('viewer');
    const principal = { userId: viewer.id, userName: 'llama-viewer', role: 'viewer' as const, tokenId: null };
    const tools = modelToolDefinitions(harness.app.tools.registry, principal.role);
    const bound = chatModel({ maxTokens: 128 }).bindTools(tools, { tool_choice: 'tell_story' });
    const message = await bound.invoke([new HumanMessage('Tell a happy story about a dog')]);
    assert.equal(message.tool_calls?.length, 1);
    const call = message.tool_calls![0]!;
    assert.equal(call.name, 'tell_story');
    assert.ok(['happy', 'sad'].includes(String(call.args.mood)));
    const execution = await harness.app.tools.executions.request(principal, { tool: call.name, args: call.args, channel: 'api' });
    assert.equal(execution.status, 'succeeded', JSON.stringify(execution.result));
    assert.deepEqual((execution.result as { data: { recorded: unknown } }).data.recorded, call.args);
  });

  it('runs a whole agent turn on the local model', async () => {
    const operator = await harness.createUser('operator');
    const conversation = await harness.database.prisma.conversation.create({
      data: { title: 'llama', ownerId: operator.id, updatedAt: new Date() },
    });
    const agent = new AgentService({
      prisma: harness.database.prisma,
      tools: harness.app.tools,
      logger: pino({ level: 'silent' }),
      events: harness.app.context.events,
      model: { model: chatModel({ maxTokens: 48 }), name: runtime.modelName },
      maxSteps: 2,
    });
    const result = await agent.runTurn({
      principal: { userId: operator.id, userName: 'op', role: 'operator', tokenId: null },
      conversationId: conversation.id,
      text: 'Tell me a story',
      channel: 'api',
    });
    assert.equal(result.route, 'agent');
    assert.equal(result.message.modelUsed, 'stories260K.gguf');
    assert.ok(result.message.content.length > 0);
    // The grammar with the tools and the answer option must compile (a 2,000-character answer once made llama.cpp refuse it on every turn).
    assert.doesNotMatch(result.message.content, /^Sorry, that did not work/);
    for (const execution of result.executions) assert.notEqual(execution.status, 'failed');
  });

  it('cancels a generation and frees the sequence for the next one', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of await chatModel({ maxTokens: 2_000 }).stream([new HumanMessage('Once upon a time')], {
        signal: controller.signal,
      })) {
        chunks.push(String(chunk.content));
        if (chunks.length === 3) controller.abort(new Error('user cancelled'));
      }
    });
    assert.ok(chunks.length >= 3);
    const after = await chatModel().invoke([new HumanMessage('Once upon a time')]);
    assert.ok(String(after.content).length > 0);
  });
});
