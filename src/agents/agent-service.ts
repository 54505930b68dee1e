/**
 * The agent service: one turn of a conversation, for every channel (REST, console, Slack,
 * Discord). Explicit commands take the router's fast path; free text goes to the LangChain
 * agent when a model is configured, or gets the command list when none is. Every answer is
 * stored with the model used, tokens, processing time and the actions taken, and streamed
 * as `agent.token` / `agent.tool` / `agent.done` domain events.
 */
import { randomUUID } from 'node:crypto';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { createAgent } from 'langchain';
import type { DomainEvents } from '../actions/domain-events.js';
import { messageView, type MessageView } from '../actions/conversation-views.js';
import type { Principal } from '../auth/principal.js';
import { AppError, toErrorBody } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import type { ToolChannel } from '../tools/tool-contract.js';
import { conversationMemory, estimateTokens } from './conversation-memory.js';
import { describeExecution } from './execution-summary.js';
import { langChainTools, type TurnScope } from './langchain-tools.js';
import { buildSystemPrompt } from './system-prompt.js';
import { TokenForwarder } from './token-forwarder.js';

/** A chat model the agent can drive (tool calling via bindTools). */
export interface AgentModel {
  model: BaseChatModel;
  /** Recorded on every assistant message (e.g. `stories260K.gguf` or `openai:qwen2.5`). */
  name: string;
}

/** Settings and components of the agent service. */
export interface AgentServiceOptions {
  prisma: PrismaClient;
  tools: ToolRuntime;
  logger: Logger;
  events?: DomainEvents | undefined;
  model?: AgentModel | undefined;
  maxSteps?: number;
  turnTimeoutMs?: number;
  memoryTokens?: number;
}

/** One turn's input. */
export interface TurnInput {
  principal: Principal;
  conversationId: string;
  text: string;
  channel: ToolChannel;
  externalIds?: Record<string, string> | undefined;
  /** The stored user message, left out of the memory (it is the current question). */
  userMessageId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What a turn produced. */
export interface TurnResult {
  message: MessageView;
  executions: ExecutionView[];
  route: 'help' | 'command' | 'agent' | 'no_model';
}

/** Runs conversation turns. */
export class AgentService {
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly options: AgentServiceOptions) {}

  /** The model name, or null when the agent runs without a model. */
  get modelName(): string | null {
    return this.options.model?.name ?? null;
  }

  /** Cancels the running turn of a conversation; true if one was running. */
  cancel(conversationId: string): boolean {
    const controller = this.active.get(conversationId);
    controller?.abort(new AppError('cancelled', 409, 'Turn cancelled'));
    return controller !== undefined;
  }

  /** Answers one user message and stores the assistant's reply. */
  async runTurn(input: TurnInput): Promise<TurnResult> {
    const started = performance.now();
    const messageId = randomUUID();
    const scope: TurnScope = { principal: input.principal, channel: input.channel, conversationId: input.conversationId, externalIds: input.externalIds, traceId: randomUUID(), executions: [] };
    let reply: string;
    let route: TurnResult['route'];
    let tokens: number | null = null;
    let modelUsed: string | null = null;
    try {
      const routed = this.options.tools.router.route(input.text, input.principal.role);
      if (routed.kind === 'help') {
        route = 'help';
        reply = routed.text;
      } else if (routed.kind === 'call') {
        route = 'command';
        const execution = await this.options.tools.executions.request(input.principal, { ...routed, channel: input.channel, conversationId: input.conversationId, externalIds: input.externalIds, traceId: scope.traceId });
        scope.executions.push(execution);
        reply = describeExecution(execution);
      } else if (!this.options.model) {
        route = 'no_model';
        reply = `No language model is configured, so I only understand commands.\n${this.options.tools.router.helpText(input.principal.role)}`;
      } else {
        route = 'agent';
        modelUsed = this.options.model.name;
        ({ reply, tokens } = await this.runAgent(input, scope, messageId));
      }
    } catch (error) {
      route ??= 'command';
      reply = `Sorry, that did not work: ${toErrorBody(error).body.message}`;
    }
    return { message: await this.store(input, messageId, reply, { modelUsed, tokens: tokens ?? estimateTokens(reply), started, scope }), executions: scope.executions, route };
  }

  /** Hooks the service to user messages posted on the given channels (console and api by default). */
  attach(events: DomainEvents, channels: ReadonlySet<string> = new Set(['console', 'api'])): () => void {
    const listener = ({ message }: { message: MessageView }) => {
      if (message.role !== 'user' || !channels.has(message.channel) || !message.authorId) return;
      void this.answer(message).catch((error: unknown) => this.options.logger.error({ err: error, conversationId: message.conversationId }, 'agent turn failed'));
    };
    events.on('message.created', listener);
    return () => events.off('message.created', listener);
  }

  private async answer(message: MessageView): Promise<void> {
    const user = await this.options.prisma.user.findUnique({ where: { id: message.authorId! } });
    if (!user || user.disabledAt) return;
    await this.runTurn({
      principal: { userId: user.id, userName: user.name, role: user.role, tokenId: null },
      conversationId: message.conversationId,
      text: message.content,
      channel: message.channel as ToolChannel,
      userMessageId: message.id,
    });
  }

  private async runAgent(input: TurnInput, scope: TurnScope, messageId: string): Promise<{ reply: string; tokens: number | null }> {
    const { model } = this.options.model!;
    const controller = new AbortController();
    this.active.get(input.conversationId)?.abort(new AppError('superseded', 409, 'A newer message superseded this turn'));
    this.active.set(input.conversationId, controller);
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.options.turnTimeoutMs ?? 120_000), ...(input.signal ? [input.signal] : [])]);
    try {
      const history = await conversationMemory(this.options.prisma, input.conversationId, { maxTokens: this.options.memoryTokens ?? 2_000, excludeId: input.userMessageId });
      const agent = createAgent({
        model,
        tools: langChainTools(this.options.tools.registry, this.options.tools.executions, scope),
        systemPrompt: buildSystemPrompt(this.options.tools.registry),
      });
      const events = this.options.events;
      const result = await agent.invoke(
        { messages: [...history, new HumanMessage(input.text)] },
        {
          signal,
          recursionLimit: (this.options.maxSteps ?? 6) * 2 + 1,
          callbacks: [new TokenForwarder((delta) => events?.emit('agent.token', { conversationId: input.conversationId, messageId, delta }))],
        },
      );
      const messages = result.messages as BaseMessage[];
      const last = [...messages].reverse().find((message) => AIMessage.isInstance(message));
      const tokens = messages.reduce((sum, message) => sum + ((AIMessage.isInstance(message) && message.usage_metadata?.total_tokens) || 0), 0);
      const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
      return { reply: text.trim() || 'Done.', tokens: tokens || null };
    } catch (error) {
      if ((error as Error)?.name === 'GraphRecursionError') return { reply: `I stopped after ${this.options.maxSteps ?? 6} steps without a final answer.`, tokens: null };
      if (signal.aborted) {
        const reason: unknown = signal.reason;
        const message = reason instanceof AppError ? reason.message : 'The turn ran out of time';
        return { reply: `${message}.`, tokens: null };
      }
      throw error;
    } finally {
      if (this.active.get(input.conversationId) === controller) this.active.delete(input.conversationId);
    }
  }

  private async store(input: TurnInput, id: string, content: string, meta: { modelUsed: string | null; tokens: number; started: number; scope: TurnScope }): Promise<MessageView> {
    const row = await this.options.prisma.message.create({
      data: {
        id,
        conversationId: input.conversationId,
        authorId: null,
        role: 'assistant',
        content,
        channel: input.channel,
        modelUsed: meta.modelUsed,
        tokenCount: meta.tokens,
        processingMs: Math.round(performance.now() - meta.started),
        actionsTaken: meta.scope.executions.map((execution) => ({ executionId: execution.id, tool: execution.tool, status: execution.status })),
        metadata: { traceId: meta.scope.traceId },
      },
    });
    const message = messageView(row);
    const conversation = await this.options.prisma.conversation.update({ where: { id: input.conversationId }, data: { updatedAt: new Date() } });
    this.options.events?.emit('message.created', { message, ownerId: conversation.ownerId });
    this.options.events?.emit('agent.done', { conversationId: input.conversationId, message });
    return message;
  }
}
