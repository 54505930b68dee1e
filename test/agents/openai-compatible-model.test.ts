/**
 * The remote provider against a local OpenAI-compatible server over real HTTP (a stand-in
 * for vLLM, Ollama or a llama.cpp server): streamed tool call, tool run through the pipeline,
 * streamed answer, API key and model name sent as configured.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { createAgentModel } from '../../src/agents/providers/agent-model-factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

interface SeenRequest {
  authorization: string | undefined;
  body: {
    model: string;
    stream: boolean;
    messages: Array<{ role: string; content: unknown }>;
    tools?: Array<{ function: { name: string } }>;
  };
}

function sse(response: http.ServerResponse, chunks: unknown[]) {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const chunk of chunks) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  response.end('data: [DONE]\n\n');
}

const frame = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-test',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'fake-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const backend = testBackends()[0]!;
describe('OpenAI-compatible provider', () => {
  let fake: http.Server;
  let baseUrl: string;
  let harness: TestApp;
  const seen: SeenRequest[] = [];

  before(async () => {
    fake = http.createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => (raw += chunk));
      request.on('end', () => {
        const body = JSON.parse(raw) as SeenRequest['body'];
        seen.push({ authorization: request.headers.authorization, body });
        const toolResult = body.messages.find((message) => message.role === 'tool');
        if (!toolResult) {
          sse(response, [
            frame({
              role: 'assistant',
              content: null,
              tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'system_status', arguments: '' } }],
            }),
            frame({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
            frame({}, 'tool_calls'),
          ]);
        } else {
          const backendName = /"backend":"(\w+)"/.exec(String(toolResult.content))?.[1] ?? 'unknown';
          sse(response, [
            frame({ role: 'assistant', content: 'The database ' }),
            frame({ content: `runs on ${backendName}.` }),
            frame({}, 'stop'),
          ]);
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    harness = await startTestApp(await backend.open());
    await harness.app.tools.start();
  });
  after(async () => {
    await harness.close();
    await harness.database.close();
    await new Promise((resolve) => fake.close(resolve));
  });

  it('streams a tool call, runs it through the pipeline and streams the answer', async () => {
    const model = await createAgentModel({
      LLM_BASE_URL: baseUrl,
      LLM_API_KEY: 'sk-test-key-123',
      LLM_MODEL_NAME: 'qwen2.5-7b-instruct',
      LLM_TEMPERATURE: 0,
      LLM_MAX_TOKENS: 256,
      LLM_TOOL_CALLS: 'auto',
      AGENT_TURN_TIMEOUT_MS: 10_000,
    });
    assert.equal(model?.name, 'openai-compatible:qwen2.5-7b-instruct');
    const user = await harness.createUser('viewer');
    const conversation = await harness.database.prisma.conversation.create({
      data: { title: 'remote', ownerId: user.id, updatedAt: new Date() },
    });
    const tokens: string[] = [];
    const onToken = ({ delta }: { delta: string }) => tokens.push(delta);
    harness.app.context.events.on('agent.token', onToken);
    try {
      const agent = new AgentService({
        prisma: harness.database.prisma,
        tools: harness.app.tools,
        logger: pino({ level: 'silent' }),
        events: harness.app.context.events,
        model,
      });
      const result = await agent.runTurn({
        principal: { userId: user.id, userName: 'remote', role: 'viewer', tokenId: null },
        conversationId: conversation.id,
        text: 'Where does the database run?',
        channel: 'api',
      });
      assert.equal(result.message.content, `The database runs on ${backend.name}.`);
      assert.equal(result.executions[0]?.tool, 'system_status');
      assert.equal(result.executions[0]?.status, 'succeeded');
      assert.equal(tokens.join(''), result.message.content);
      assert.equal(seen.length, 2);
      assert.equal(seen[0]!.authorization, 'Bearer sk-test-key-123');
      assert.equal(seen[0]!.body.model, 'qwen2.5-7b-instruct');
      assert.equal(seen[0]!.body.stream, true);
      assert.ok(seen[0]!.body.tools?.some((tool) => tool.function.name === 'knowledge_search'));
      assert.match(JSON.stringify(seen[0]!.body.messages[0]!.content), /cannot approve, skip or bypass an approval/);
    } finally {
      harness.app.context.events.off('agent.token', onToken);
    }
  });

  it('uses no model when nothing is configured', async () => {
    assert.equal(
      await createAgentModel({
        LLM_BASE_URL: undefined,
        LLM_API_KEY: undefined,
        LLM_MODEL_NAME: undefined,
        LLM_TEMPERATURE: 0,
        LLM_MAX_TOKENS: 1,
        LLM_TOOL_CALLS: 'auto',
        AGENT_TURN_TIMEOUT_MS: 1000,
      }),
      undefined,
    );
  });
});
