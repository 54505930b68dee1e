/**
 * The agent loop: model → tool calls → pipeline → model, up to a step limit. Written out
 * rather than delegated to a prebuilt graph so that every call the model proposes (valid,
 * unknown, schema-invalid or malformed JSON) reaches the execution pipeline and its audit,
 * and so the model reads a short, path-free error it can retry from within the same limit.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { Logger } from '../logger.js';
import type { ExecutionService } from '../tools/pipeline/execution-service.js';
import { runModelToolCall, type ModelToolCall, type ModelToolDefinition, type TurnScope } from './langchain-tools.js';
import { TokenForwarder } from './token-forwarder.js';

/** What one loop needs. */
export interface AgentLoopInput {
  model: BaseChatModel;
  tools: ModelToolDefinition[];
  systemPrompt: string;
  messages: BaseMessage[];
  executions: ExecutionService;
  scope: TurnScope;
  maxSteps: number;
  signal: AbortSignal;
  logger: Logger;
  onToken?: ((delta: string) => void) | undefined;
}

/** What the loop produced. */
export interface AgentLoopResult {
  reply: string;
  tokens: number | null;
  steps: number;
  /** True when the step limit ended the loop before a final answer. */
  exhausted: boolean;
}

const text = (message: AIMessage) =>
  typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');

/** Raw argument text per call id, when the message was assembled from streamed chunks. */
function rawArguments(message: AIMessage): Map<string, string> {
  const chunks = (message as AIMessage & { tool_call_chunks?: Array<{ id?: string; args?: string }> }).tool_call_chunks ?? [];
  return new Map(chunks.filter((chunk) => chunk.id && typeof chunk.args === 'string').map((chunk) => [chunk.id!, chunk.args!]));
}

const parses = (text: string) => {
  try {
    JSON.parse(text || '{}');
    return true;
  } catch {
    return false;
  }
};

/**
 * The calls of one model answer: parsed ones, then the ones whose arguments did not parse.
 * Streamed calls are checked against their raw text too, since LangChain completes partial
 * JSON while streaming (`{"query": "vpn` would otherwise run as `{"query": "vpn"}`).
 */
export function callsOf(message: AIMessage): Array<ModelToolCall & { id: string }> {
  const raw = rawArguments(message);
  const calls: Array<ModelToolCall & { id: string }> = (message.tool_calls ?? []).map((call, index) => {
    const id = call.id ?? `call_${index}`;
    const text = raw.get(id);
    return text !== undefined && !parses(text)
      ? { id, name: call.name, malformed: { raw: text } }
      : { id, name: call.name, args: call.args };
  });
  for (const [index, call] of (message.invalid_tool_calls ?? []).entries()) {
    calls.push({ id: call.id ?? `invalid_${index}`, name: call.name ?? '', malformed: { raw: call.args ?? '', error: call.error } });
  }
  return calls;
}

/** Runs the loop until the model answers without calling a tool, or the step limit. */
export async function runAgentLoop(input: AgentLoopInput): Promise<AgentLoopResult> {
  if (!input.model.bindTools) throw new Error('the chat model cannot call tools');
  const bound = input.tools.length > 0 ? input.model.bindTools(input.tools) : input.model;
  const offered = new Set(input.tools.map((definition) => definition.function.name));
  const messages: BaseMessage[] = [new SystemMessage(input.systemPrompt), ...input.messages];
  const callbacks = input.onToken ? [new TokenForwarder(input.onToken)] : [];
  let tokens = 0;
  for (let step = 1; step <= input.maxSteps; step += 1) {
    const response = (await bound.invoke(messages, { signal: input.signal, callbacks })) as AIMessage;
    tokens += response.usage_metadata?.total_tokens ?? 0;
    const calls = callsOf(response);
    // History keeps every call, malformed ones with empty arguments, so each tool result has its call.
    messages.push(
      calls.some((call) => call.malformed)
        ? new AIMessage({
            content: response.content,
            tool_calls: calls.map((call) => ({
              id: call.id,
              name: call.name || 'invalid',
              args: call.malformed ? {} : ((call.args ?? {}) as Record<string, unknown>),
              type: 'tool_call' as const,
            })),
          })
        : response,
    );
    if (calls.length === 0) return { reply: text(response).trim(), tokens: tokens || null, steps: step, exhausted: false };
    for (const call of calls) {
      input.signal.throwIfAborted();
      const content = await runModelToolCall(input.executions, input.scope, call, offered, input.logger);
      messages.push(new ToolMessage({ content, tool_call_id: call.id, name: call.name || 'invalid' }));
    }
  }
  return { reply: '', tokens: tokens || null, steps: input.maxSteps, exhausted: true };
}
