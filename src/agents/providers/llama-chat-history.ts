/**
 * LangChain messages → node-llama-cpp chat history. With native function calling, tool
 * calls and their results become `functionCall` items that the model's own chat template
 * renders; in grammar mode (templates without function calling) they become plain JSON text
 * and a user turn carrying the result, which any template can render.
 */
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatHistoryItem, ChatModelFunctionCall } from 'node-llama-cpp';

const text = (message: BaseMessage) =>
  typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');

/** Converts a LangChain conversation. */
export function toLlamaHistory(messages: BaseMessage[], mode: 'native' | 'grammar'): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const results = new Map<string, string>();
  for (const message of messages) if (ToolMessage.isInstance(message)) results.set(message.tool_call_id, text(message));
  for (const message of messages) {
    const type = message.getType();
    if (type === 'system') {
      history.push({ type: 'system', text: text(message) });
    } else if (type === 'human') {
      history.push({ type: 'user', text: text(message) });
    } else if (type === 'ai') {
      const calls = AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
      if (mode === 'native') {
        const response: Array<string | ChatModelFunctionCall> = [];
        if (text(message)) response.push(text(message));
        calls.forEach((call, index) =>
          response.push({
            type: 'functionCall',
            name: call.name,
            params: call.args,
            result: results.get(call.id ?? '') ?? '',
            ...(index === 0 ? { startsNewChunk: true } : {}),
          }),
        );
        history.push({ type: 'model', response });
      } else {
        const rendered = calls.length
          ? calls.map((call) => JSON.stringify({ tool: call.name, arguments: call.args })).join('\n')
          : JSON.stringify({ answer: text(message) });
        history.push({ type: 'model', response: [rendered] });
        for (const call of calls) history.push({ type: 'user', text: `Result of ${call.name}: ${results.get(call.id ?? '') ?? '(none)'}` });
      }
    }
    // ToolMessages were folded into the calls above.
  }
  return history;
}
