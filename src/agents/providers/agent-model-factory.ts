/**
 * Picks the agent's model from configuration: an OpenAI-compatible endpoint when LLM_BASE_URL
 * is set, else the shared local GGUF runtime when one is loaded, else none (commands only).
 */
import type { Config } from '../../config.js';
import type { LocalModelRuntime } from '../../inference/inference-contract.js';
import type { AgentModel } from '../agent-service.js';
import { LlamaCppChatModel } from './llama-cpp-chat-model.js';
import { openAiCompatibleModel } from './openai-compatible-model.js';

type ModelConfig = Pick<Config, 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODEL_NAME' | 'LLM_TEMPERATURE' | 'LLM_MAX_TOKENS' | 'LLM_TOOL_CALLS' | 'AGENT_TURN_TIMEOUT_MS'> & Partial<Pick<Config, 'LLM_STREAMING'>>;

/** The configured model, or undefined when Vigie runs without one. */
export function createAgentModel(config: ModelConfig, localRuntime?: LocalModelRuntime, onStreamFallback?: () => void): AgentModel | undefined {
  if (config.LLM_BASE_URL) {
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
    return {
      name: localRuntime.modelName,
      model: new LlamaCppChatModel({ runtime: localRuntime, temperature: config.LLM_TEMPERATURE, maxTokens: config.LLM_MAX_TOKENS, toolCallMode: config.LLM_TOOL_CALLS }),
    };
  }
  return undefined;
}
