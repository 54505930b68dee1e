/**
 * Picks the agent's model from configuration: an OpenAI-compatible endpoint when LLM_BASE_URL
 * is set, else the shared local GGUF runtime when one is loaded, else none (commands only).
 * Each provider is imported only when chosen: @langchain/openai costs ~20 MB of RSS and a
 * second of start-up to a node that has no endpoint configured.
 */
import type { Config } from '../../config.js';
import type { LocalModelRuntime } from '../../inference/inference-contract.js';
import type { AgentModel } from '../agent-service.js';

type ModelConfig = Pick<
  Config,
  'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODEL_NAME' | 'LLM_TEMPERATURE' | 'LLM_MAX_TOKENS' | 'LLM_TOOL_CALLS' | 'AGENT_TURN_TIMEOUT_MS'
> &
  Partial<Pick<Config, 'LLM_STREAMING'>>;

/** The configured model, or undefined when Vigie runs without one. */
export async function createAgentModel(
  config: ModelConfig,
  localRuntime?: LocalModelRuntime,
  onStreamFallback?: () => void,
): Promise<AgentModel | undefined> {
  if (config.LLM_BASE_URL) {
    const { openAiCompatibleModel } = await import('./openai-compatible-model.js');
    const name = config.LLM_MODEL_NAME ?? 'default';
    return {
      name: `openai-compatible:${name}`,
      model: openAiCompatibleModel({
        baseUrl: config.LLM_BASE_URL,
        apiKey: config.LLM_API_KEY,
        modelName: name,
        temperature: config.LLM_TEMPERATURE,
        maxTokens: config.LLM_MAX_TOKENS,
        timeoutMs: config.AGENT_TURN_TIMEOUT_MS,
        streaming: config.LLM_STREAMING ?? true,
        ...(onStreamFallback ? { onStreamFallback } : {}),
      }),
    };
  }
  if (localRuntime) {
    const { LlamaCppChatModel } = await import('./llama-cpp-chat-model.js');
    return {
      name: localRuntime.modelName,
      model: new LlamaCppChatModel({
        runtime: localRuntime,
        temperature: config.LLM_TEMPERATURE,
        maxTokens: config.LLM_MAX_TOKENS,
        toolCallMode: config.LLM_TOOL_CALLS,
      }),
    };
  }
  return undefined;
}
