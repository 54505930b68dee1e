/**
 * The agent service: one turn of a conversation, for every channel (REST, console, Slack,
 * Discord). Explicit commands take the router's fast path; free text goes to the LangChain
 * agent when a model is configured, or gets the command list when none is. Every answer is
 * stored with the model used, tokens, processing time and the actions taken, and streamed
 * as `agent.token` / `agent.tool` / `agent.done` domain events.
 */
import { randomUUID } from 'node:crypto';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { DomainEvents } from '../actions/domain-events.js';
import { messageView, type MessageView } from '../actions/conversation-views.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';
import { createTranslator, resolveLocale, t, type Locale } from '../contracts/i18n.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import type { ToolChannel } from '../tools/tool-contract.js';
import type { RoutedCommand } from '../tools/pipeline/command-router.js';
import { executionCardOf } from '../contracts/execution-card.js';
import { errorText } from '../contracts/validation-text.js';
import { describeExecution } from '../tools/pipeline/execution-summary.js';
import { loadModelTurnModules } from './model-turn-modules.js';
import type { TurnScope } from './langchain-tools.js';
import type { OfferedToolsCache } from './offered-tools-cache.js';
import { TurnLimiter } from './turn-limiter.js';

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
  /** Model turns running at once on this node (AGENT_MAX_CONCURRENT_TURNS); more wait in FIFO order. */
  maxConcurrentTurns?: number;
  /** Model turns that may wait (AGENT_QUEUE_DEPTH); past it a turn is refused with 503 `busy`. */
  queueDepth?: number;
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
  /** The asker's locale (Slack users.info, Discord interaction, browser, Accept-Language): help and fixed sentences use it. */
  locale?: Locale | undefined;
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
  private readonly limiter: TurnLimiter;
  /** Built at the first model turn (its modules load lazily, like LangChain's). */
  private offered: OfferedToolsCache | undefined;

  constructor(private readonly options: AgentServiceOptions) {
    this.limiter = new TurnLimiter({ maxConcurrent: options.maxConcurrentTurns ?? 4, maxQueued: options.queueDepth ?? 32 });
  }

  /** Whether one more model turn would be accepted now (running or queued). */
  get acceptsTurns(): boolean {
    return this.limiter.hasRoom;
  }

  /** Model turns running and waiting on this node. */
  get load(): { running: number; queued: number } {
    return this.limiter.load;
  }

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
    const scope: TurnScope = {
      principal: input.principal,
      channel: input.channel,
      conversationId: input.conversationId,
      externalIds: input.externalIds,
      traceId: randomUUID(),
      executions: [],
      locale: input.locale,
    };
    let reply: string;
    let route: TurnResult['route'];
    let tokens: number | null = null;
    let modelUsed: string | null = null;
    try {
      const routed = this.routeLine(input);
      if (routed.kind === 'help') {
        route = 'help';
        reply = routed.text;
      } else if (routed.kind === 'call') {
        route = 'command';
        const execution = await this.options.tools.executions.request(input.principal, {
          ...routed,
          channel: input.channel,
          conversationId: input.conversationId,
          externalIds: input.externalIds,
          traceId: scope.traceId,
          locale: input.locale,
        });
        scope.executions.push(execution);
        reply = describeExecution(execution, createTranslator(input.locale, execution.locale ?? undefined));
      } else if (!this.options.model) {
        route = 'no_model';
        reply = `${t(input.locale, 'agent.noModel')}\n${this.options.tools.router.helpText(input.principal.role, input.locale)}`;
      } else {
        route = 'agent';
        modelUsed = this.options.model.name;
        const release = await this.limiter.acquire(
          (position) => this.options.events?.emit('agent.status', { conversationId: input.conversationId, status: 'queued', position }),
          input.signal,
        );
        try {
          this.options.events?.emit('agent.status', { conversationId: input.conversationId, status: 'running' });
          ({ reply, tokens } = await this.runAgent(input, scope, messageId));
        } finally {
          release();
        }
      }
    } catch (error) {
      route ??= 'command';
      reply = this.failure(error, {
        traceId: scope.traceId,
        conversationId: input.conversationId,
        channel: input.channel,
        route,
        locale: input.locale,
      });
    }
    return {
      message: await this.store(input, messageId, reply, { modelUsed, tokens: tokens ?? Math.ceil(reply.length / 4), started, scope }),
      executions: scope.executions,
      route,
    };
  }

  /**
   * Which path a line takes. Without a model every line goes to the router. With one, only
   * explicit command syntax does: a leading `/` or `!` (errors then explain the syntax), or a
   * line that parses completely as `<tool> args` and passes the tool's schema; anything else
   * ("status please", "search services in Douala") is a question for the model.
   */
  private routeLine(input: TurnInput): RoutedCommand {
    const { router, registry } = this.options.tools;
    if (!this.options.model || /^\s*[/!]/.test(input.text)) return router.route(input.text, input.principal.role, { locale: input.locale });
    try {
      const routed = router.route(input.text, input.principal.role, { strict: true, locale: input.locale });
      if (routed.kind !== 'call') return routed;
      const tool = registry.resolve(routed.tool)?.tool;
      return tool && tool.inputSchema.safeParse(routed.args).success ? routed : { kind: 'not_command' };
    } catch (error) {
      this.options.logger.debug({ err: error, conversationId: input.conversationId }, 'line is not a complete command: sent to the model');
      return { kind: 'not_command' };
    }
  }

  /** Logs a failed turn with its trace id and returns the sentence the user reads. */
  private failure(
    error: unknown,
    context: { traceId: string; conversationId: string; channel: ToolChannel; route: TurnResult['route']; locale?: Locale | undefined },
  ): string {
    const expected = error instanceof AppError && error.status < 500;
    const log = {
      err: error,
      traceId: context.traceId,
      conversationId: context.conversationId,
      channel: context.channel,
      route: context.route,
    };
    if (expected) this.options.logger.warn(log, 'agent turn refused');
    else this.options.logger.error(log, 'agent turn failed');
    // Refused arguments read in the asker's language (codes and params in the details); other errors as written.
    if (error instanceof AppError)
      return t(context.locale, 'agent.sorry', { reason: errorText(error, createTranslator(context.locale)), trace: context.traceId });
    const detail = (error as Error)?.message?.split('\n', 1)[0]?.slice(0, 200);
    const what =
      context.route === 'agent'
        ? `The language model (${this.options.model?.name ?? 'none'}) could not answer`
        : 'The command failed unexpectedly';
    return `Sorry, that did not work. ${what}${detail ? `: ${detail}` : ''}. The details are logged under trace ${context.traceId}.`;
  }

  /** Hooks the service to user messages posted on the given channels (console and api by default). */
  attach(events: DomainEvents, channels: ReadonlySet<string> = new Set(['console', 'api'])): () => void {
    const listener = ({ message }: { message: MessageView }) => {
      if (message.role !== 'user' || !channels.has(message.channel) || !message.authorId) return;
      void this.answer(message).catch((error: unknown) =>
        this.options.logger.error({ err: error, conversationId: message.conversationId }, 'agent turn failed'),
      );
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
      // The locale the console or REST client sent with the message (navigator.language, Accept-Language),
      // else the one on the user's profile (PATCH /api/me, `vigie users set-locale`).
      locale: resolveLocale((message.metadata as { locale?: unknown } | null)?.locale) ?? resolveLocale(user.locale),
    });
  }

  private async runAgent(input: TurnInput, scope: TurnScope, messageId: string): Promise<{ reply: string; tokens: number | null }> {
    const { model } = this.options.model!;
    const controller = new AbortController();
    this.active.get(input.conversationId)?.abort(new AppError('superseded', 409, 'A newer message superseded this turn'));
    this.active.set(input.conversationId, controller);
    const signal = AbortSignal.any([
      controller.signal,
      AbortSignal.timeout(this.options.turnTimeoutMs ?? 120_000),
      ...(input.signal ? [input.signal] : []),
    ]);
    try {
      const { HumanMessage, conversationMemory, runAgentLoop } = await loadModelTurnModules();
      this.offered ??= new (await import('./offered-tools-cache.js')).OfferedToolsCache(this.options.tools.registry);
      const history = await conversationMemory(this.options.prisma, input.conversationId, {
        maxTokens: this.options.memoryTokens ?? 2_000,
        excludeId: input.userMessageId,
      });
      const events = this.options.events;
      const maxSteps = this.options.maxSteps ?? 6;
      const offered = this.offered.forRole(input.principal.role);
      const result = await runAgentLoop({
        model,
        tools: offered.definitions,
        scope: { ...scope, toolNames: offered.names },
        systemPrompt: offered.systemPrompt,
        messages: [...history, new HumanMessage(input.text)],
        executions: this.options.tools.executions,
        maxSteps,
        signal,
        logger: this.options.logger,
        onToken: (delta) => events?.emit('agent.token', { conversationId: input.conversationId, messageId, delta }),
      });
      const refused = scope.executions.filter((execution) => execution.status === 'refused');
      const i18n = createTranslator(input.locale, refused[0]?.locale ?? undefined);
      const notes = refused.map((execution) => {
        const error = (execution.result as { error?: { message?: string; details?: unknown; reason?: unknown; params?: unknown } } | null)
          ?.error;
        return i18n.t('validation.refusedNote', {
          tool: execution.tool,
          message: error?.message ? errorText({ ...error, message: error.message }, i18n) : i18n.t('validation.invalid'),
        });
      });
      if (result.exhausted)
        return { reply: [`I stopped after ${maxSteps} steps without a final answer.`, ...notes].join('\n'), tokens: result.tokens };
      return {
        reply: [
          result.reply ||
            (scope.executions.length
              ? scope.executions
                  .map((execution) => describeExecution(execution, createTranslator(input.locale, execution.locale ?? undefined)))
                  .join('\n')
              : t(input.locale, 'agent.emptyAnswer')),
          ...notes,
        ].join('\n'),
        tokens: result.tokens,
      };
    } catch (error) {
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

  private async store(
    input: TurnInput,
    id: string,
    content: string,
    meta: { modelUsed: string | null; tokens: number; started: number; scope: TurnScope },
  ): Promise<MessageView> {
    // The answer and the conversation's timestamp are written at once (two statements, one round trip of latency).
    const [row, conversation] = await Promise.all([
      this.options.prisma.message.create({
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
          actionsTaken: meta.scope.executions.map((execution) => ({
            executionId: execution.id,
            tool: execution.tool,
            status: execution.status,
          })),
          // Each execution's card (result view, approval preview) travels with the answer, so the
          // conversation shows it once, and still after a reload; the text only refers to it.
          metadata: {
            traceId: meta.scope.traceId,
            ...(meta.scope.executions.length
              ? {
                  executions: meta.scope.executions
                    .slice(0, 10)
                    .map((execution) => executionCardOf(execution as unknown as Record<string, unknown>)),
                }
              : {}),
          } as object,
        },
      }),
      this.options.prisma.conversation.update({
        where: { id: input.conversationId },
        data: { updatedAt: new Date() },
        select: { ownerId: true },
      }),
    ]);
    const message = messageView(row);
    this.options.events?.emit('message.created', { message, ownerId: conversation.ownerId });
    this.options.events?.emit('agent.done', { conversationId: input.conversationId, message });
    return message;
  }
}
