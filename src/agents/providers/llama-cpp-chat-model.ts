/**
 * A LangChain chat model over node-llama-cpp, using the model's own chat template and the
 * shared inference runtime (one loaded model, leased sequences). `bindTools` turns the tools'
 * schemas into node-llama-cpp function definitions: models whose template supports function
 * calling get them natively (calls come back as `AIMessage.tool_calls`, no handlers run here,
 * the agent loop executes them); other templates answer under a JSON-schema grammar that only
 * admits `{"answer": …}` or a valid call of a bound tool.
 */
import { randomUUID } from 'node:crypto';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import type { ChatModelFunctions, GbnfJsonSchema, LlamaJsonSchemaGrammar, LlamaModel } from 'node-llama-cpp';
import { llamaModule } from '../../inference/llama-module.js';
import { AppError } from '../../errors.js';
import type { LocalModelRuntime } from '../../inference/inference-contract.js';
import { dropNulls, toGbnfSchema } from '../../inference/json-schema-to-gbnf.js';
import { JsonAnswerStreamer } from './json-answer-streamer.js';
import { toLlamaHistory } from './llama-chat-history.js';

/** Templates without function calling: tool calls go through a JSON-schema grammar. */
const GRAMMAR_WRAPPERS = new Set(['AlpacaChat', 'ChatML', 'Empty', 'Falcon', 'Gemma', 'General', 'Llama2Chat', 'Llama 3', 'Template']);

/** Tokens a grammar-constrained answer may use at least (its JSON must close). */
const GRAMMAR_MIN_TOKENS = 1024;
/** Longest grammar-mode answer: llama.cpp refuses a grammar repeating a rule 2,000 times or more (every turn with tools then failed). */
const GRAMMAR_ANSWER_MAX_CHARS = 1_900;
/**
 * After the first chunk, text goes out at most once per frame: a small model decodes a token
 * every millisecond or so, and a LangChain chunk, its callbacks and every listener downstream
 * (sockets, bots) per token cost more than the decoding. 8 ms is below what a reader sees.
 */
const STREAM_FRAME_MS = 8;

function parseGrammarOutput(grammar: LlamaJsonSchemaGrammar<GbnfJsonSchema>, text: string): unknown {
  try {
    return grammar.parse(text);
  } catch {
    throw new AppError(
      'model_output_invalid',
      502,
      `The local model did not finish a valid JSON answer within ${GRAMMAR_MIN_TOKENS} tokens`,
    );
  }
}

/** A bound tool in OpenAI function format. */
interface BoundTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** Call options: the bound tools and the tool choice. */
export interface LlamaCppCallOptions extends BaseChatModelCallOptions {
  tools?: BoundTool[];
  tool_choice?: string | { type: 'function'; function: { name: string } } | undefined;
}

/** Settings of the local chat model. */
export interface LlamaCppChatModelFields extends BaseChatModelParams {
  runtime: LocalModelRuntime;
  temperature?: number;
  maxTokens?: number;
  /** `auto` picks native function calling when the template has it, else the grammar. */
  toolCallMode?: 'auto' | 'native' | 'grammar';
}

interface Generated {
  text: string;
  toolCalls: Array<{ id: string; name: string; args: Record<string, unknown> }>;
  inputTokens: number;
  outputTokens: number;
  stopReason: string;
}

/** LangChain BaseChatModel over a LocalModelRuntime. */
export class LlamaCppChatModel extends BaseChatModel<LlamaCppCallOptions, AIMessageChunk> {
  readonly runtime: LocalModelRuntime;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly toolCallMode: 'auto' | 'native' | 'grammar';
  private readonly grammars = new Map<string, Promise<LlamaJsonSchemaGrammar<GbnfJsonSchema>>>();

  constructor(fields: LlamaCppChatModelFields) {
    super(fields);
    this.runtime = fields.runtime;
    this.temperature = fields.temperature ?? 0;
    this.maxTokens = fields.maxTokens ?? 512;
    this.toolCallMode = fields.toolCallMode ?? 'auto';
  }

  _llmType(): string {
    return 'node-llama-cpp';
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<LlamaCppCallOptions>) {
    return this.withConfig({ tools: tools.map((tool) => convertToOpenAITool(tool) as BoundTool), ...kwargs });
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    let final: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) final = final ? final.concat(chunk) : chunk;
    const chunk = final!.message as AIMessageChunk;
    const message = new AIMessage({
      content: chunk.content,
      tool_calls: chunk.tool_calls ?? [],
      ...(chunk.usage_metadata ? { usage_metadata: chunk.usage_metadata } : {}),
      response_metadata: chunk.response_metadata,
    });
    return { generations: [{ text: final!.text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    let result: Generated | undefined;
    this.generateWithLlama(messages, options, (text) => {
      queue.push(text);
      wake?.();
    }).then(
      (value) => ((result = value), (finished = true), wake?.()),
      (error: unknown) => ((failure = error), (finished = true), wake?.()),
    );
    let lastSent: number | undefined;
    for (;;) {
      if (queue.length > 0) {
        // The first text goes at once (time to first token); later text waits for the end of its frame.
        const wait = lastSent === undefined || finished ? 0 : lastSent + STREAM_FRAME_MS - performance.now();
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            wake = () => finished && (clearTimeout(timer), resolve());
          });
          wake = undefined;
        }
        // Chunks that arrived during the frame go out together (less per-chunk overhead).
        const text = queue.splice(0).join('');
        lastSent = performance.now();
        const chunk = new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text }) });
        yield chunk;
        await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (queue.length > 0 || finished) resolve();
      });
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
    const done = result!;
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({
        content: '',
        tool_call_chunks: done.toolCalls.map((call, index) => ({
          id: call.id,
          name: call.name,
          args: JSON.stringify(call.args),
          index,
          type: 'tool_call_chunk' as const,
        })),
        usage_metadata: {
          input_tokens: done.inputTokens,
          output_tokens: done.outputTokens,
          total_tokens: done.inputTokens + done.outputTokens,
        },
        response_metadata: { model_name: this.runtime.modelName, stop_reason: done.stopReason },
      }),
    });
  }

  /** One generation on a leased sequence; text chunks go to `onText` as they come. */
  private async generateWithLlama(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    onText: (text: string) => void,
  ): Promise<Generated> {
    // Imported before the lease is taken: a lease is only ever held inside the try below.
    const { LlamaChat } = await llamaModule();
    const lease = await this.runtime.acquireSequence(options.signal);
    const chat = new LlamaChat({ contextSequence: lease.sequence, autoDisposeSequence: false });
    const meter = lease.sequence.tokenMeter;
    const before = { input: meter.usedInputTokens, output: meter.usedOutputTokens };
    try {
      const tools = options.tool_choice === 'none' ? [] : (options.tools ?? []);
      const native =
        tools.length > 0 &&
        (this.toolCallMode === 'native' || (this.toolCallMode === 'auto' && !GRAMMAR_WRAPPERS.has(chat.chatWrapper.wrapperName)));
      const history = toLlamaHistory(messages, native || tools.length === 0 ? 'native' : 'grammar');
      const common = { signal: options.signal, stopOnAbortSignal: false, maxTokens: this.maxTokens, temperature: this.temperature };
      let generated: Omit<Generated, 'inputTokens' | 'outputTokens'>;
      if (tools.length === 0) {
        const response = await chat.generateResponse(history, { ...common, onTextChunk: onText });
        generated = { text: response.response, toolCalls: [], stopReason: response.metadata.stopReason };
      } else if (native) {
        const functions: ChatModelFunctions = Object.fromEntries(
          tools.map((tool) => [
            tool.function.name,
            { description: tool.function.description, params: toGbnfSchema(tool.function.parameters) },
          ]),
        );
        const response = await chat.generateResponse(history, { ...common, functions, onTextChunk: onText });
        generated = {
          text: response.response,
          toolCalls: (response.functionCalls ?? []).map((call) => ({
            id: `call_${randomUUID()}`,
            name: call.functionName,
            args: dropNulls(call.params ?? {}) as Record<string, unknown>,
          })),
          stopReason: response.metadata.stopReason,
        };
      } else {
        const grammar = await this.grammarFor(lease.model, tools, options.tool_choice);
        // The answer's text streams while it is decoded; a tool call streams nothing.
        const streamer = new JsonAnswerStreamer(onText);
        // A grammar answer is only useful complete: give it room to finish its JSON.
        const response = await chat.generateResponse(history, {
          ...common,
          grammar,
          maxTokens: Math.max(this.maxTokens, GRAMMAR_MIN_TOKENS),
          onTextChunk: (chunk) => streamer.push(chunk),
        });
        const parsed = dropNulls(parseGrammarOutput(grammar, response.response)) as {
          answer?: string;
          tool?: string;
          arguments?: Record<string, unknown>;
        };
        generated = parsed.tool
          ? {
              text: '',
              toolCalls: [{ id: `call_${randomUUID()}`, name: parsed.tool, args: parsed.arguments ?? {} }],
              stopReason: response.metadata.stopReason,
            }
          : { text: parsed.answer ?? '', toolCalls: [], stopReason: response.metadata.stopReason };
        // Whatever the streamer could not emit (normally nothing) follows at the end.
        if (generated.text.startsWith(streamer.emitted) && generated.text.length > streamer.emitted.length)
          onText(generated.text.slice(streamer.emitted.length));
        else if (!generated.text.startsWith(streamer.emitted)) onText(generated.text);
      }
      return { ...generated, inputTokens: meter.usedInputTokens - before.input, outputTokens: meter.usedOutputTokens - before.output };
    } finally {
      chat.dispose({ disposeSequence: false });
      lease.release();
    }
  }

  /** `{"answer": string}` or `{"tool": name, "arguments": …}` for each bound tool (cached per tool set). */
  private grammarFor(
    model: LlamaModel,
    tools: BoundTool[],
    choice: LlamaCppCallOptions['tool_choice'],
  ): Promise<LlamaJsonSchemaGrammar<GbnfJsonSchema>> {
    const forced =
      typeof choice === 'object' ? choice.function.name : choice && !['auto', 'any', 'required'].includes(choice) ? choice : undefined;
    const callable = forced ? tools.filter((tool) => tool.function.name === forced) : tools;
    const options: GbnfJsonSchema[] = callable.map((tool) => ({
      type: 'object',
      properties: { tool: { const: tool.function.name }, arguments: toGbnfSchema(tool.function.parameters ?? { type: 'object' }) },
    }));
    if (!forced && choice !== 'any' && choice !== 'required')
      options.unshift({
        type: 'object',
        properties: { answer: { type: 'string', maxLength: GRAMMAR_ANSWER_MAX_CHARS } },
      } as GbnfJsonSchema);
    const schema: GbnfJsonSchema = options.length === 1 ? options[0]! : { oneOf: options };
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = model.llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaJsonSchemaGrammar<GbnfJsonSchema>>;
      this.grammars.set(key, grammar);
    }
    return grammar;
  }
}
