/**
 * The remote provider: any OpenAI-compatible endpoint (vLLM, Ollama, a llama.cpp server,
 * or OpenAI itself) through @langchain/openai, with streaming so tokens reach the console live.
 */
import { ChatOpenAI } from '@langchain/openai';

/** Settings of the remote chat model. */
export interface OpenAiCompatibleOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  modelName: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
}

/** Builds a ChatOpenAI pointed at `baseUrl`. */
export function openAiCompatibleModel(options: OpenAiCompatibleOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: options.modelName,
    // Local servers ignore the key but the client insists on one.
    apiKey: options.apiKey ?? 'not-needed',
    configuration: { baseURL: options.baseUrl },
    temperature: options.temperature ?? 0.2,
    maxTokens: options.maxTokens ?? 1024,
    streaming: true,
    streamUsage: true,
    maxRetries: 1,
    timeout: options.timeoutMs ?? 120_000,
  });
}
