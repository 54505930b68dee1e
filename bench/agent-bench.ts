/**
 * `npm run bench:agent`: the agent runtime's figures, each against a baseline measured in
 * the same run, printed as ONE JSON line:
 * - a routed read command end to end (REST → router → pipeline → tool → audit), p50/p99 and
 *   req/s, against GET /health on the same server (the HTTP stack without the pipeline);
 * - the local provider (LlamaCppChatModel on stories260K, 1 thread): generation tokens/s and
 *   time to first token, against node-llama-cpp's own LlamaChatSession on the same model and
 *   prompt (our overhead);
 * - audit appends with the hash chain: group commit under concurrency against one-at-a-time;
 * - a model turn through the scripted OpenAI-compatible server (tool call, pipeline, answer,
 *   streamed): Vigie's own time per turn (turn time minus the server's time) at 10
 *   concurrent turns, p50/p99.
 * Runs on PostgreSQL (its own vigie_bench_agent_<pid>_<time> database next to DATABASE_URL's).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { getLlama, LlamaChatSession, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { openBenchDatabase } from './support/bench-database.js';
import { pino } from 'pino';
import { adminBootstrapper } from '../src/actions/users.js';
import { LlamaCppChatModel } from '../src/agents/providers/llama-cpp-chat-model.js';
import { AuditLog } from '../src/audit/audit-log.js';
import type { LocalModelRuntime, SequenceLease } from '../src/inference/inference-contract.js';
import { buildCoreServices } from '../src/core/core-services-builder.js';
import { createApp, type App } from '../src/server/app.js';
import { AgentService } from '../src/agents/agent-service.js';
import { openAiCompatibleModel } from '../src/agents/providers/openai-compatible-model.js';
import { loadavg } from 'node:os';
import { opsChatPolicy } from '../test/support/ops-chat-policy.js';
import { startScriptedOpenAiServer } from '../src/agents/eval/scripted-openai-server.js';
import { loadConfig } from '../src/config.js';
import { bareLangChainTurns } from './support/bare-langchain-turn.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const MODEL = process.env.VIGIE_TEST_MODEL ?? path.resolve(import.meta.dirname, '../../shared/models/stories260K.gguf');
const DATABASE_NAME = 'vigie_bench_agent';
const FLOOR = { turnOwnP50Ms: 15, turnOwnP99Ms: 40, routedP99Ms: 50, providerOverheadPercent: 5, auditEventsPerSecond: 1000 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function routedCommand(url: string, token: string) {
  const run = async (options: autocannon.Options) => {
    // The load generator runs in its own worker thread, not on the server's event loop.
    const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, workers: 1, ...options });
    return {
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
    };
  };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const health = await run({ url: `${url}/health` });
  const routed = await run({ url: `${url}/api/commands`, method: 'POST', headers, body: JSON.stringify({ text: 'status' }) });
  return { routed, healthBaseline: health, throughputRatio: round(routed.requestsPerSecond / health.requestsPerSecond, 3) };
}

class OneSequenceRuntime implements LocalModelRuntime {
  readonly modelName = 'stories260K.gguf';
  constructor(
    private readonly model: LlamaModel,
    private readonly sequence: LlamaContextSequence,
  ) {}
  async acquireSequence(): Promise<SequenceLease> {
    return { model: this.model, sequence: this.sequence, release: () => undefined };
  }
}

async function provider() {
  const llama = await getLlama({ gpu: false, maxThreads: 1, logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
  const sequence = context.getSequence();
  const prompt = 'Once upon a time, a little cat';
  const systemPrompt = 'You tell short stories for children.';
  const maxTokens = 200;
  const ours = { tokensPerSecond: [] as number[], ttftMs: [] as number[] };
  const raw = { tokensPerSecond: [] as number[], ttftMs: [] as number[] };
  const outputs = { ours: 0, raw: 0 };
  const chat = new LlamaCppChatModel({ runtime: new OneSequenceRuntime(model, sequence), temperature: 0, maxTokens });
  const runRaw = async () => {
    // Raw node-llama-cpp: a fresh session on the same sequence, same prompt and settings.
    await sequence.clearHistory();
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false, systemPrompt });
    let first: number | undefined;
    const meterBefore = sequence.tokenMeter.usedOutputTokens;
    const started = performance.now();
    await session.prompt(prompt, { maxTokens, temperature: 0, onTextChunk: () => (first ??= performance.now()) });
    const elapsed = performance.now() - started;
    outputs.raw = sequence.tokenMeter.usedOutputTokens - meterBefore;
    raw.tokensPerSecond.push(outputs.raw / (elapsed / 1000));
    raw.ttftMs.push(first! - started);
    session.dispose({ disposeSequence: false });
  };
  const runOurs = async () => {
    await sequence.clearHistory();
    let first: number | undefined;
    let tokens = 0;
    const started = performance.now();
    for await (const chunk of await chat.stream([new SystemMessage(systemPrompt), new HumanMessage(prompt)])) {
      if (chunk.content) first ??= performance.now();
      tokens = chunk.usage_metadata?.output_tokens ?? tokens;
    }
    outputs.ours = tokens;
    ours.tokensPerSecond.push(tokens / ((performance.now() - started) / 1000));
    ours.ttftMs.push(first! - started);
  };
  await runOurs(); // warm-up (grammar-free path, caches)
  ours.tokensPerSecond.length = 0;
  ours.ttftMs.length = 0;
  for (let round = 0; round < 7; round += 1) {
    // Alternate the order so drift on a shared machine does not favour either side.
    if (round % 2 === 0) {
      await runRaw();
      await runOurs();
    } else {
      await runOurs();
      await runRaw();
    }
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  const oursRate = median(ours.tokensPerSecond);
  const rawRate = median(raw.tokensPerSecond);
  return {
    model: 'stories260K.gguf',
    threads: 1,
    ours: { tokensPerSecond: round(oursRate), ttftMs: round(median(ours.ttftMs), 2) },
    llamaChatSession: { tokensPerSecond: round(rawRate), ttftMs: round(median(raw.ttftMs), 2) },
    outputTokens: outputs,
    overheadPercent: round((1 - oursRate / rawRate) * 100, 1),
  };
}

/** Model turns at 10 at once through the scripted server; own time = turn time minus the server's time for its two requests. */
async function modelTurns(app: App, userId: string) {
  const server = await startScriptedOpenAiServer(opsChatPolicy());
  const agent = new AgentService({
    prisma: app.context.database.prisma,
    tools: app.tools,
    logger: pino({ level: 'silent' }),
    events: app.context.events,
    model: { name: 'scripted', model: openAiCompatibleModel({ baseUrl: server.baseUrl, modelName: 'scripted', temperature: 0 }) },
    maxConcurrentTurns: 10,
  });
  const principal = { userId, userName: 'bench', role: 'admin' as const, tokenId: null };
  const turns = Number(process.env.BENCH_TURNS ?? 200);
  const own: number[] = [];
  const total: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < turns) {
      next += 1;
      const conversation = await app.context.database.prisma.conversation.create({
        data: { title: 'bench', ownerId: userId, updatedAt: new Date() },
      });
      const before = server.serverMs.length;
      const started = performance.now();
      await agent.runTurn({ principal, conversationId: conversation.id, text: 'where is the vpn runbook?', channel: 'api' });
      const elapsed = performance.now() - started;
      // Concurrent turns share the server: charge each turn the mean server time of the requests made meanwhile, two per turn.
      const made = server.serverMs.slice(before);
      const serverShare = made.length ? (made.reduce((sum, value) => sum + value, 0) / made.length) * 2 : 0;
      total.push(elapsed);
      own.push(elapsed - serverShare);
    }
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: 10 }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  const serverMs = [...server.serverMs];
  // The ceiling: the same turn by a bare LangChain loop (no database, pipeline, audit or events), same server, same tools, same concurrency.
  const bare = await bareLangChainTurns(server, 'where is the vpn runbook?', turns, 10);
  await server.close();
  const sorted = [...own].sort((a, b) => a - b);
  const ownP50Ms = round(median(own));
  return {
    turns,
    concurrency: 10,
    ownP50Ms,
    ownP99Ms: round(sorted[Math.floor(sorted.length * 0.99)]!),
    turnP50Ms: round(median(total)),
    cpuMsPerTurn: round((cpu.user + cpu.system) / 1000 / turns),
    serverMsPerTurn: round(serverMs.reduce((a, b) => a + b, 0) / turns, 2),
    serverMeanMs: round(serverMs.reduce((a, b) => a + b, 0) / serverMs.length, 2),
    bareLangChain: bare,
    ratio: round(bare.ownP50Ms / ownP50Ms, 3),
  };
}

async function auditRate(audit: AuditLog) {
  const sequentialCount = 200;
  let started = performance.now();
  for (let index = 0; index < sequentialCount; index += 1) await audit.append({ action: 'bench.sequential', arguments: { index } });
  const sequential = sequentialCount / ((performance.now() - started) / 1000);
  const concurrentCount = 5000;
  started = performance.now();
  await Promise.all(
    Array.from({ length: concurrentCount }, (_, index) =>
      audit.append({ action: 'bench.concurrent', tool: 'system_status', arguments: { index, password: 'x' } }),
    ),
  );
  const concurrent = concurrentCount / ((performance.now() - started) / 1000);
  return {
    groupCommitEventsPerSecond: Math.round(concurrent),
    oneAtATimeEventsPerSecond: Math.round(sequential),
    ratio: round(concurrent / sequential, 1),
  };
}

if (process.env.BENCH_ONLY === 'provider') {
  // The local provider alone: no database, no app (quick runs while working on the provider).
  const local = await provider();
  process.stdout.write(
    JSON.stringify({
      suite: 'agent',
      part: 'localProvider',
      loadAverage: loadavg().map((value) => round(value, 2)),
      localProvider: local,
      ratio: round(local.llamaChatSession.tokensPerSecond > 0 ? local.ours.tokensPerSecond / local.llamaChatSession.tokensPerSecond : 0, 3),
      floor: { providerOverheadPercent: FLOOR.providerOverheadPercent },
      meetsFloor: { providerOverhead: local.overheadPercent < FLOOR.providerOverheadPercent },
    }) + '\n',
  );
  process.exit(0);
}

const bench = await openBenchDatabase(DATABASE_NAME, { poolSize: 10 });
const { database } = bench;
try {
  const logger = pino({ level: 'silent' });
  // The core as src/main.ts builds it, and the shipped capability modules' toolsets, so a turn offers the model what a deployed
  // node offers.
  const core = buildCoreServices({
    config: {
      ...loadConfig({ DATA_DIR: `/tmp/vigie-bench-agent-${process.pid}`, NET_ALLOWED_TARGETS: '127.0.0.1/32' }),
      BODY_LIMIT: '1mb',
      RATE_LIMIT_TOKEN_PER_MINUTE: 10_000_000,
      RATE_LIMIT_IP_PER_MINUTE: 10_000_000,
      METRICS_TOKEN: undefined,
      TRUST_PROXY: undefined,
      SHUTDOWN_TIMEOUT_MS: 2_000,
    },
    database,
    logger,
  });
  const app = createApp({ core });
  await app.tools.start();
  const token = `vig_bench_${Math.random().toString(36).slice(2)}_${Date.now()}_agent`;
  await adminBootstrapper(database.prisma, app.context.audit, token);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const serverUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const only = process.env.BENCH_ONLY;
  const admin = await database.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
  const turns = await modelTurns(app, admin.id);
  if (only === 'turns') {
    process.stdout.write(
      JSON.stringify({
        suite: 'agent',
        part: 'modelTurn',
        loadAverage: loadavg().map((value) => round(value, 2)),
        modelTurn: turns,
        floor: { p50Ms: FLOOR.turnOwnP50Ms, p99Ms: FLOOR.turnOwnP99Ms },
        meetsFloor: { turnOwnP50: turns.ownP50Ms < FLOOR.turnOwnP50Ms, turnOwnP99: turns.ownP99Ms < FLOOR.turnOwnP99Ms },
      }) + '\n',
    );
    await app.close();
    await core.close();
  } else {
    const command = await routedCommand(serverUrl, token);
    const auditFigures = await auditRate(new AuditLog(database.sql));
    await app.close();
    await core.close();
    const local = await provider();
    const verify = await (await import('../src/audit/audit-log.js')).verifyAuditChain(database.prisma);
    const figures = {
      suite: 'agent',
      backend: 'postgres',
      loadAverage: loadavg().map((value) => round(value, 2)),
      seconds: SECONDS,
      connections: CONNECTIONS,
      modelTurn: turns,
      routedCommand: command,
      localProvider: local,
      audit: { ...auditFigures, chainVerified: verify.ok, eventsChecked: verify.checked },
      floor: FLOOR,
      meetsFloor: {
        turnOwnP50: turns.ownP50Ms < FLOOR.turnOwnP50Ms,
        turnOwnP99: turns.ownP99Ms < FLOOR.turnOwnP99Ms,
        routedP99: command.routed.p99Ms < FLOOR.routedP99Ms,
        providerOverhead: local.overheadPercent < FLOOR.providerOverheadPercent,
        audit: auditFigures.groupCommitEventsPerSecond >= FLOOR.auditEventsPerSecond,
      },
    };
    process.stdout.write(JSON.stringify(figures) + '\n');
  }
} finally {
  await bench.close();
}
