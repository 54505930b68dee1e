/**
 * Composition helper: builds the agent service for a running app and hooks it to user
 * messages from the console and the REST API. Bots call `agent.runTurn` themselves.
 */
import type { Config } from '../config.js';
import type { LocalModelRuntime } from '../inference/inference-contract.js';
import type { Logger } from '../logger.js';
import type { CoreServices } from '../core/core-services.js';
import { AgentService } from './agent-service.js';
import { createAgentModel } from './providers/agent-model-factory.js';

/** The agent of a node and the function that unhooks it. */
export interface RunningAgent {
  agent: AgentService;
  detach(): void;
}

type AgentConfig = Parameters<typeof createAgentModel>[0] &
  Pick<Config, 'AGENT_MAX_STEPS' | 'AGENT_MEMORY_TOKENS'> &
  Partial<Pick<Config, 'AGENT_MAX_CONCURRENT_TURNS' | 'AGENT_QUEUE_DEPTH'>>;

/** Creates the agent (remote model, local model or none) and attaches it to `message.created`. */
export async function startAgent(
  core: CoreServices,
  config: AgentConfig,
  logger: Logger,
  localRuntime?: LocalModelRuntime,
): Promise<RunningAgent> {
  let warned = false;
  const model = await createAgentModel(config, localRuntime, () => {
    if (!warned)
      logger.warn(
        { baseUrl: config.LLM_BASE_URL },
        'the model endpoint answers streaming requests with plain JSON: each answer arrives in one piece (set LLM_STREAMING=false to stop asking)',
      );
    warned = true;
  });
  logger.info(
    { model: model?.name ?? null },
    model ? `agent model: ${model.name}` : 'no language model configured: the agent answers commands only',
  );
  const agent = new AgentService({
    prisma: core.database.prisma,
    tools: core.tools,
    logger,
    events: core.events,
    model,
    maxSteps: config.AGENT_MAX_STEPS,
    turnTimeoutMs: config.AGENT_TURN_TIMEOUT_MS,
    memoryTokens: config.AGENT_MEMORY_TOKENS,
    maxConcurrentTurns: config.AGENT_MAX_CONCURRENT_TURNS ?? 4,
    queueDepth: config.AGENT_QUEUE_DEPTH ?? 32,
  });
  const detachMessages = agent.attach(core.events);
  const detachAdmission = core.agentAdmission.attach(() => agent.acceptsTurns);
  return {
    agent,
    detach: () => {
      detachMessages();
      detachAdmission();
    },
  };
}
