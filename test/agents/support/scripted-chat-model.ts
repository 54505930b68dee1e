/**
 * A chat model that follows a script, implementing LangChain's real BaseChatModel interface
 * (bindTools, _generate, streaming callbacks), so the real agent loop and the real pipeline
 * run offline and deterministically.
 */
import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

/** One scripted step: sees the messages, returns the model's answer. */
export type ScriptStep = (messages: BaseMessage[], signal?: AbortSignal) => AIMessage | Promise<AIMessage>;

/** A scripted chat model; repeats the last step when the script runs out. */
export class ScriptedChatModel extends BaseChatModel {
  calls: BaseMessage[][] = [];
  boundToolNames: string[] = [];

  constructor(private readonly script: ScriptStep[]) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  override bindTools(tools: Array<{ name?: string; function?: { name?: string } }>): this {
    this.boundToolNames = tools.map((tool) => String(tool.function?.name ?? tool.name));
    return this;
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'] & BaseChatModelCallOptions,
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    this.calls.push(messages);
    const step = this.script[Math.min(this.calls.length - 1, this.script.length - 1)]!;
    const message = await step(messages, options.signal);
    const text = typeof message.content === 'string' ? message.content : '';
    for (const piece of text.match(/\S+\s*/g) ?? []) await runManager?.handleLLMNewToken(piece);
    return { generations: [{ text, message }], llmOutput: {} };
  }
}

/** A step that calls one tool. */
export function callTool(
  name: string,
  args: Record<string, unknown>,
  id = `call_${name}_${Math.random().toString(36).slice(2, 8)}`,
): ScriptStep {
  return () => new AIMessage({ content: '', tool_calls: [{ id, name, args, type: 'tool_call' }] });
}

/** A step that answers with text built from the messages so far. */
export function answer(build: (messages: BaseMessage[]) => string): ScriptStep {
  return (messages) =>
    new AIMessage({ content: build(messages), usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } });
}
