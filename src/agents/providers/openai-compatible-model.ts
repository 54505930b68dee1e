/**
 * The remote provider: any OpenAI-compatible endpoint (vLLM, Ollama, a llama.cpp server,
 * or OpenAI itself) through @langchain/openai. Streams by default so tokens reach the user
 * live; an endpoint that answers a streaming request with plain JSON still works (its answer
 * is replayed as one stream), and `LLM_STREAMING=false` asks for plain JSON answers.
 */
import { ChatOpenAI } from '@langchain/openai';
import { sseFallbackFetch } from './sse-fallback-fetch.js';

/** Settings of the remote chat model. */
export interface OpenAiCompatibleOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  modelName: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
  /** Stream answers (default true). */
  streaming?: boolean;
  /** Told when the endpoint answered a streaming request with plain JSON. */
  onStreamFallback?: () => void;
}

/** Builds a ChatOpenAI pointed at `baseUrl`. */
export function openAiCompatibleModel(options: OpenAiCompatibleOptions): ChatOpenAI {
  const streaming = options.streaming ?? true;
  return new ChatOpenAI({
    model: options.modelName,
    // Local servers ignore the key but the client insists on one.
    apiKey: options.apiKey ?? 'not-needed',
    configuration: { baseURL: options.baseUrl, fetch: sseFallbackFetch(fetch, options.onStreamFallback) },
    temperature: options.temperature ?? 0.2,
    maxTokens: options.maxTokens ?? 1024,
    streaming,
    // Without streaming, callbacks that prefer streams must not switch it back on.
    disableStreaming: !streaming,
    streamUsage: streaming,
    maxRetries: 1,
    timeout: options.timeoutMs ?? 120_000,
  });
}
