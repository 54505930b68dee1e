/**
 * Runs trajectory-eval cases through the real agent and pipeline: for each case a user of
 * the case's role, a conversation, and each user turn stored and answered by an
 * AgentService on the case's channel (the path a console, REST, Slack or Discord message
 * takes after its adapter), against whatever model the caller gives (the scripted server,
 * a local GGUF, any OpenAI-compatible endpoint). Then each trajectory is judged from the
 * stored executions, with tokens and latency per case, and summed up.
 */
import { randomUUID } from 'node:crypto';
import type { DomainEvents } from '../../actions/domain-events.js';
import { messagePoster } from '../../actions/messages.js';
import type { Principal } from '../../auth/principal.js';
import type { Role } from '../../auth/roles.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { executionView, FINAL_STATUSES, type ExecutionView } from '../../tools/pipeline/execution-view.js';
import type { ToolRuntime } from '../../tools/pipeline/tool-runtime.js';
import { AgentService, type AgentModel } from '../agent-service.js';
import type { EvalCase } from './eval-case.js';
import { judgeTrajectory } from './eval-checks.js';

/** What the runner drives. */
export interface EvalEnvironment {
  prisma: PrismaClient;
  tools: ToolRuntime;
  logger: Logger;
  events?: DomainEvents | undefined;
  /** The model a case's turns use (the scripted server keys its script by the model name). */
  model(evalCase: EvalCase): AgentModel;
  /** Puts a document in the knowledge base (cases with `documents`). */
  ingestDocument?(document: { title: string; text: string }): Promise<void>;
  maxSteps?: number;
  turnTimeoutMs?: number;
}

/** The verdict and figures of one case. */
export interface EvalCaseResult {
  id: string;
  toolset: string;
  locale: string;
  role: string;
  channel: string;
  injection: string | null;
  /** False when a tool the case needs is not registered here (e.g. an optional toolset). */
  ran: boolean;
  pass: boolean;
  failures: string[];
  toolCalls: { total: number; valid: number };
  approvals: { expected: number; requested: number };
  injectionResisted: boolean | null;
  tokens: number;
  latencyMs: number;
  reply: string;
  calls: Array<{ tool: string; status: string }>;
}

/** The summary line of a run. */
export interface EvalSummary {
  model: string;
  cases: number;
  ran: number;
  passed: number;
  passRate: number;
  toolCallValidity: number;
  toolCalls: { total: number; valid: number };
  approvals: { expected: number; requested: number };
  injections: { cases: number; resisted: number };
  locales: Record<string, number>;
  toolsets: Record<string, { cases: number; passed: number }>;
  tokens: number;
  latencyMs: { total: number; p50: number; max: number };
}

const SETUP_TIMEOUT_MS = 15_000;

/** Runs cases one after another (a case's setup may feed the next turns' tool results). */
export class EvalRunner {
  private readonly users = new Map<string, Principal>();

  constructor(private readonly environment: EvalEnvironment) {}

  /** Runs every case, reporting each as it ends. */
  async run(
    cases: readonly EvalCase[],
    onResult?: (result: EvalCaseResult) => void,
  ): Promise<{ results: EvalCaseResult[]; summary: EvalSummary }> {
    const results: EvalCaseResult[] = [];
    for (const evalCase of cases) {
      const result = await this.runCase(evalCase);
      results.push(result);
      onResult?.(result);
    }
    return { results, summary: summarise(results, cases[0] ? this.environment.model(cases[0]).name : 'none') };
  }

  /** Runs one case and judges it. */
  async runCase(evalCase: EvalCase): Promise<EvalCaseResult> {
    const { prisma, tools, events, logger } = this.environment;
    const base = {
      id: evalCase.id,
      toolset: evalCase.toolset,
      locale: evalCase.locale,
      role: evalCase.role,
      channel: evalCase.channel,
      injection: evalCase.injection ?? null,
    };
    const needed = [
      ...evalCase.expect.calls.map((call) => call.tool),
      ...evalCase.expect.approvals,
      ...(evalCase.setup ?? []).map((step) => step.tool),
    ];
    const missing = needed.filter((tool) => !tools.registry.resolve(tool));
    if (missing.length) {
      return {
        ...base,
        ran: false,
        pass: false,
        failures: [`not registered here: ${missing.join(', ')}`],
        toolCalls: { total: 0, valid: 0 },
        approvals: { expected: 0, requested: 0 },
        injectionResisted: null,
        tokens: 0,
        latencyMs: 0,
        reply: '',
        calls: [],
      };
    }
    for (const document of evalCase.documents ?? []) await this.environment.ingestDocument?.(document);
    for (const step of evalCase.setup ?? []) await this.setup(step);
    const principal = await this.user(evalCase.role);
    const agentModel = this.environment.model(evalCase);
    const agent = new AgentService({
      prisma,
      tools,
      logger,
      events,
      model: agentModel,
      maxSteps: this.environment.maxSteps ?? 6,
      turnTimeoutMs: this.environment.turnTimeoutMs ?? 120_000,
      maxConcurrentTurns: 1,
      queueDepth: 0,
    });
    const conversation = await prisma.conversation.create({
      data: { title: `eval ${evalCase.id}`, ownerId: principal.userId, originChannel: evalCase.channel, updatedAt: new Date() },
    });
    const externalIds: Record<string, string> | undefined =
      evalCase.channel === 'slack'
        ? { channelId: 'CEVAL', teamId: 'TEVAL' }
        : evalCase.channel === 'discord'
          ? { channelId: '900000000000000777', guildId: '900000000000000778' }
          : undefined;
    const executionIds: string[] = [];
    let tokens = 0;
    let latencyMs = 0;
    let reply = '';
    for (const turn of evalCase.turns) {
      const posted = await messagePoster(prisma, undefined, principal, conversation.id, { content: turn.text, channel: evalCase.channel });
      const started = performance.now();
      const result = await agent.runTurn({
        principal,
        conversationId: conversation.id,
        text: turn.text,
        channel: evalCase.channel,
        userMessageId: posted.message.id,
        externalIds,
      });
      latencyMs += performance.now() - started;
      tokens += result.message.tokenCount ?? 0;
      reply = result.message.content;
      executionIds.push(...result.executions.map((execution) => execution.id));
    }
    // Judged from the stored rows: the final word on what ran.
    const rows = await prisma.execution.findMany({ where: { id: { in: executionIds } } });
    const byId = new Map(rows.map((row) => [row.id, executionView(row)]));
    const executions = executionIds.map((id) => byId.get(id)).filter((execution): execution is ExecutionView => execution !== undefined);
    const failures = judgeTrajectory(evalCase, executions, reply);
    if (/^Sorry, that did not work/.test(reply)) failures.push(`the turn failed: ${reply.slice(0, 200)}`);
    const requested = evalCase.expect.approvals.filter((tool) =>
      executions.some((execution) => execution.tool === tool && execution.status === 'pending_approval'),
    ).length;
    return {
      ...base,
      ran: true,
      pass: failures.length === 0,
      failures,
      toolCalls: { total: executions.length, valid: executions.filter((execution) => execution.status !== 'refused').length },
      approvals: { expected: evalCase.expect.approvals.length, requested },
      injectionResisted: evalCase.injection ? !failures.some((failure) => failure.includes('ran unapproved')) : null,
      tokens,
      latencyMs: Math.round(latencyMs),
      reply,
      calls: executions.map((execution) => ({ tool: execution.tool, status: execution.status })),
    };
  }

  /** A user of the role, made once per run. */
  private async user(role: Role | 'setup-approver'): Promise<Principal> {
    const cached = this.users.get(role);
    if (cached) return cached;
    const row = await this.environment.prisma.user.create({
      data: { name: `eval-${role}-${randomUUID().slice(0, 8)}`, role: role === 'setup-approver' ? 'admin' : role },
    });
    const principal: Principal = { userId: row.id, userName: row.name, role: row.role, tokenId: null };
    this.users.set(role, principal);
    return principal;
  }

  /** Runs a setup tool as an admin, approved by a second admin, and waits for it to end. */
  private async setup(step: { tool: string; args: Record<string, unknown> }): Promise<void> {
    const { executions } = this.environment.tools;
    const requester = await this.user('admin');
    let execution = await executions.request(requester, { tool: step.tool, args: step.args, channel: 'cli' });
    if (execution.status === 'pending_approval')
      execution = await executions.approve(await this.user('setup-approver'), execution.id, 'cli');
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    while (!FINAL_STATUSES.has(execution.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      execution = await executions.find(requester, execution.id);
    }
    if (execution.status !== 'succeeded')
      throw new Error(`eval setup ${step.tool} ended ${execution.status}: ${JSON.stringify(execution.result).slice(0, 300)}`);
  }
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : Math.round((part / whole) * 1000) / 1000);

/** Sums results up (cases that could not run count as not passed). */
export function summarise(results: readonly EvalCaseResult[], model: string): EvalSummary {
  const ran = results.filter((result) => result.ran);
  const toolCalls = { total: 0, valid: 0 };
  const approvals = { expected: 0, requested: 0 };
  const locales: Record<string, number> = {};
  const toolsets: Record<string, { cases: number; passed: number }> = {};
  for (const result of results) {
    toolCalls.total += result.toolCalls.total;
    toolCalls.valid += result.toolCalls.valid;
    approvals.expected += result.approvals.expected;
    approvals.requested += result.approvals.requested;
    locales[result.locale] = (locales[result.locale] ?? 0) + 1;
    const entry = (toolsets[result.toolset] ??= { cases: 0, passed: 0 });
    entry.cases += 1;
    if (result.pass) entry.passed += 1;
  }
  const injections = results.filter((result) => result.injection !== null);
  const latencies = ran.map((result) => result.latencyMs).sort((a, b) => a - b);
  const passed = results.filter((result) => result.pass).length;
  return {
    model,
    cases: results.length,
    ran: ran.length,
    passed,
    passRate: ratio(passed, results.length),
    toolCallValidity: ratio(toolCalls.valid, toolCalls.total),
    toolCalls,
    approvals,
    injections: { cases: injections.length, resisted: injections.filter((result) => result.injectionResisted === true).length },
    locales,
    toolsets,
    tokens: results.reduce((sum, result) => sum + result.tokens, 0),
    latencyMs: {
      total: latencies.reduce((sum, value) => sum + value, 0),
      p50: latencies[Math.floor(latencies.length / 2)] ?? 0,
      max: latencies.at(-1) ?? 0,
    },
  };
}

/** One human-readable line per case. */
export function formatCaseLine(result: EvalCaseResult): string {
  const verdict = !result.ran ? 'SKIP' : result.pass ? 'PASS' : 'FAIL';
  const injection = result.injection ? ` injection(${result.injection})=${result.injectionResisted ? 'resisted' : 'NOT resisted'}` : '';
  const calls = result.calls.map((call) => `${call.tool}:${call.status}`).join(',') || '-';
  return `${verdict} ${result.id} [${result.locale} ${result.role}@${result.channel}] calls ${result.toolCalls.valid}/${result.toolCalls.total} valid (${calls}) approvals ${result.approvals.requested}/${result.approvals.expected}${injection} tokens ${result.tokens} ${result.latencyMs} ms${result.failures.length ? ` — ${result.failures.join('; ')}` : ''}`;
}
