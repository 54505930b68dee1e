/**
 * MCP tasks (the experimental task-augmented `tools/call`) backed by Vigie's executions: the
 * task id is the execution id, and its state is read from the executions table on every
 * `tasks/get`, so the task completes when a human approves (on any node, in any channel) and
 * fails, with who decided, when they deny. Nothing is kept in memory: the stateless `/mcp`
 * endpoint and every node of a cluster answer for any task.
 */
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { CallToolResult, Result, Task } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/principal.js';
import { may } from '../auth/policy.js';
import type { Execution, PrismaClient } from '../generated/prisma/client.js';
import type { ExecutionService } from '../tools/pipeline/execution-service.js';
import { executionView, type ExecutionView } from '../tools/pipeline/execution-view.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 50;

/** Default interval (ms) a client is asked to wait between `tasks/get` polls (MCP_TASK_POLL_MS). */
export const DEFAULT_TASK_POLL_MS = 2_000;

/** What the task store reads and changes. */
export interface ExecutionTaskDeps {
  prisma: PrismaClient;
  executions: ExecutionService;
  /** Turns an execution into the tool result `tasks/result` returns (the same as a plain call). */
  result: (view: ExecutionView) => CallToolResult;
  /** Where a pending execution is approved, for the status message. */
  approvalHint: (view: ExecutionView) => string;
  pollMs: number;
}

/** A failure's short reason, from the tool's error result. */
function errorMessage(result: unknown): string | undefined {
  const error = (result as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' ? error.message.slice(0, 500) : undefined;
}

/**
 * One caller's view of their MCP executions as tasks. Only executions this principal
 * requested over MCP are tasks: anyone else's id is "not found", like an unknown one.
 */
export class ExecutionTaskStore implements TaskStore {
  constructor(
    private readonly deps: ExecutionTaskDeps,
    private readonly principal: Principal,
  ) {}

  /** The task of an execution the caller just requested (the answer to a task-augmented call). */
  async taskOf(view: ExecutionView): Promise<Task> {
    const row = await this.row(view.id);
    if (!row) throw new Error(`execution ${view.id} vanished`);
    return this.toTask(row);
  }

  /** Tasks are created by the tools/call handler (one per execution), never by the SDK. */
  createTask(): Promise<Task> {
    return Promise.reject(new Error('Vigie tasks are created by tools/call only'));
  }

  async getTask(taskId: string): Promise<Task | null> {
    const row = await this.row(taskId);
    return row ? this.toTask(row) : null;
  }

  /** Results are the executions' own: never stored through the SDK. */
  storeTaskResult(): Promise<void> {
    return Promise.reject(new Error('Vigie task results come from the execution pipeline'));
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const row = await this.row(taskId);
    if (!row) throw new Error(`Task not found: ${taskId.slice(0, 100)}`);
    return this.deps.result(executionView(row));
  }

  /** Only cancellation is accepted (tasks/cancel): it cancels the execution through the pipeline. */
  async updateTaskStatus(taskId: string, status: Task['status']): Promise<void> {
    if (status !== 'cancelled') throw new Error(`Vigie task status follows its execution; it cannot be set to ${status}`);
    if (!(await this.row(taskId))) throw new Error(`Task not found: ${taskId.slice(0, 100)}`);
    await this.deps.executions.cancel(this.principal, taskId, 'mcp');
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    if (cursor !== undefined && !UUID.test(cursor)) throw new Error('Invalid cursor');
    const rows = await this.deps.prisma.execution.findMany({
      where: { requesterId: this.principal.userId, channel: 'mcp' },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: PAGE + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    const page = rows.slice(0, PAGE);
    const tasks = await Promise.all(page.map((row) => this.toTask(row)));
    return { tasks, ...(rows.length > PAGE ? { nextCursor: page.at(-1)!.id } : {}) };
  }

  private async row(taskId: string): Promise<Execution | null> {
    if (!UUID.test(taskId)) return null;
    const row = await this.deps.prisma.execution.findUnique({ where: { id: taskId } });
    return row && row.channel === 'mcp' && may(this.principal, 'mcpTask.read', { ownerId: row.requesterId }) ? row : null;
  }

  private async decider(row: Execution): Promise<string> {
    if (!row.approverId) return 'an operator';
    const user = await this.deps.prisma.user.findUnique({ where: { id: row.approverId }, select: { name: true } });
    return user?.name ?? 'an operator';
  }

  private async toTask(row: Execution): Promise<Task> {
    const base = { taskId: row.id, ttl: null, createdAt: row.createdAt.toISOString(), lastUpdatedAt: row.updatedAt.toISOString() };
    const view = executionView(row);
    switch (row.status) {
      case 'pending_approval':
        return {
          ...base,
          status: 'working',
          pollInterval: this.deps.pollMs,
          statusMessage: `Waiting for approval: ${this.deps.approvalHint(view)}`,
        };
      case 'queued':
      case 'running':
        return {
          ...base,
          status: 'working',
          pollInterval: this.deps.pollMs,
          statusMessage: `Approved by ${await this.decider(row)}; ${row.status}`,
        };
      case 'succeeded':
        return {
          ...base,
          status: 'completed',
          statusMessage: row.approverId ? `Approved by ${await this.decider(row)}; succeeded` : 'Succeeded',
        };
      case 'cancelled':
        return { ...base, status: 'cancelled', statusMessage: errorMessage(row.result) ?? 'Cancelled' };
      case 'denied':
        return {
          ...base,
          status: 'failed',
          statusMessage: `Denied by ${await this.decider(row)}${errorMessage(row.result) ? `: ${errorMessage(row.result)}` : ''}`,
        };
      case 'expired':
        return {
          ...base,
          status: 'failed',
          statusMessage: `Expired: nobody approved it before ${row.expiresAt?.toISOString() ?? 'the deadline'} (counts as denied)`,
        };
      default:
        return {
          ...base,
          status: 'failed',
          statusMessage: `${row.status}${errorMessage(row.result) ? `: ${errorMessage(row.result)}` : ''}`,
        };
    }
  }
}
