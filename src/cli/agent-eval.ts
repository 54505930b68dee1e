/**
 * `vigie agent eval`'s composition: a throwaway Vigie (the production toolsets, pipeline,
 * audit and knowledge base over its own database), a model (the scripted OpenAI-compatible
 * server by default — deterministic, no weights —, any OpenAI-compatible endpoint, or a
 * local GGUF), and the eval runner over the cases. Tests call `runAgentEval` with their own
 * database; the command gives it a fresh embedded PGlite in a temporary folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { AgentModel } from '../agents/agent-service.js';
import type { EvalCase } from '../agents/eval/eval-case.js';
import { EvalRunner, type EvalCaseResult, type EvalSummary } from '../agents/eval/eval-runner.js';
import { evalScriptPolicy, scriptedModelName } from '../agents/eval/eval-script-policy.js';
import { startScriptedOpenAiServer } from '../agents/eval/scripted-openai-server.js';
import { createAgentModel } from '../agents/providers/agent-model-factory.js';
import { loadConfig } from '../config.js';
import { buildCoreServices } from '../core/core-services-builder.js';
import { openMigratedDatabase, type Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createApp } from '../server/app.js';

/** Which model the eval drives, and how. */
export interface AgentEvalOptions {
  cases: EvalCase[];
  /** An OpenAI-compatible endpoint; default: the scripted server, following each case's script. */
  baseUrl?: string | undefined;
  modelName?: string | undefined;
  apiKey?: string | undefined;
  /** A local GGUF file (mechanics only with toy models). */
  modelPath?: string | undefined;
  /** Ask the endpoint for streamed answers (default true). */
  streaming?: boolean;
  /** The database to run on; default: a fresh embedded PGlite, removed afterwards. */
  database?: Database;
  /** The environment the run's configuration is read from (tool allowlists, model settings). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  maxTokens?: number;
  onResult?: (result: EvalCaseResult) => void;
}

/** Runs the eval and returns every case's result and the summary. */
export async function runAgentEval(options: AgentEvalOptions): Promise<{ results: EvalCaseResult[]; summary: EvalSummary }> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vigie-agent-eval-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dataDir, { recursive: true, force: true })];
  try {
    // Network tools probe only what NET_ALLOWED_TARGETS names explicitly: loopback by default, so an eval sends nothing off the host.
    const env = {
      ...(options.env ?? {}),
      NET_ALLOWED_TARGETS: options.env?.NET_ALLOWED_TARGETS ?? '127.0.0.1/32',
      DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      REDIS_SENTINELS: undefined,
      LLM_BASE_URL: undefined,
      LLM_MODEL: undefined,
    };
    const config = loadConfig(env);
    // The model first: a missing GGUF or a bad URL fails before a database is made.
    const model = await evalModel(options, config, cleanups);
    let database = options.database;
    if (!database) {
      database = (await openMigratedDatabase({ backend: 'pglite', dataDir: path.join(dataDir, 'pglite') }, true)).database;
      const opened = database;
      cleanups.unshift(() => opened.close());
    }
    // The core as src/main.ts builds it, and the shipped capability modules over it, as a deployed node has them.
    const core = buildCoreServices({ config, database, logger });
    cleanups.unshift(() => core.close());
    const app = createApp({ core });
    // The app (and its modules' jobs) closes before the core's pipeline and audit log.
    cleanups.unshift(() => app.close());
    await app.tools.start();
    const runner = new EvalRunner({
      prisma: database.prisma,
      tools: app.tools,
      logger,
      events: app.context.events,
      model,
      ingestDocument: async ({ title, text }) => {
        await app.context.knowledge.ingestBytes({ bytes: Buffer.from(text), contentType: 'text/plain', title });
      },
      maxSteps: config.AGENT_MAX_STEPS,
      turnTimeoutMs: config.AGENT_TURN_TIMEOUT_MS,
    });
    return await runner.run(options.cases, options.onResult);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'agent eval cleanup failed'));
  }
}

/** The model per case: scripted (keyed by case id), remote, or local. */
async function evalModel(
  options: AgentEvalOptions,
  config: ReturnType<typeof loadConfig>,
  cleanups: Array<() => Promise<unknown>>,
): Promise<(evalCase: EvalCase) => AgentModel> {
  const shared = {
    LLM_API_KEY: options.apiKey,
    LLM_TEMPERATURE: 0,
    LLM_MAX_TOKENS: options.maxTokens ?? config.LLM_MAX_TOKENS,
    LLM_TOOL_CALLS: config.LLM_TOOL_CALLS,
    AGENT_TURN_TIMEOUT_MS: config.AGENT_TURN_TIMEOUT_MS,
    LLM_STREAMING: options.streaming ?? true,
  };
  if (options.modelPath) {
    const { createInferenceService } = await import('../inference/inference-service.js');
    const inference = await createInferenceService({
      ...config,
      LLM_MODEL: path.resolve(options.modelPath),
      LLM_PARALLEL: 1,
      EMBEDDING_MODEL: undefined,
    });
    cleanups.unshift(() => inference.dispose());
    const local = await createAgentModel({ ...shared, LLM_BASE_URL: undefined, LLM_MODEL_NAME: undefined }, inference.chat ?? undefined);
    if (!local) throw new Error(`could not load ${options.modelPath}`);
    return () => local;
  }
  if (options.baseUrl) {
    const remote = await createAgentModel({ ...shared, LLM_BASE_URL: options.baseUrl, LLM_MODEL_NAME: options.modelName ?? 'default' });
    return () => remote!;
  }
  const server = await startScriptedOpenAiServer(evalScriptPolicy(options.cases));
  cleanups.unshift(() => server.close());
  const { openAiCompatibleModel } = await import('../agents/providers/openai-compatible-model.js');
  const models = new Map<string, AgentModel>();
  return (evalCase) => {
    let model = models.get(evalCase.id);
    if (!model) {
      // The scripted server follows the script of the case named in the request's model field.
      model = {
        name: 'scripted',
        model: openAiCompatibleModel({
          baseUrl: server.baseUrl,
          modelName: scriptedModelName(evalCase.id),
          temperature: 0,
          streaming: options.streaming ?? true,
        }),
      };
      models.set(evalCase.id, model);
    }
    return model;
  };
}
