/**
 * Tools that exist only in tests: mutating, disruptive, slow, failing and secret-taking, so
 * the pipeline's approval, timeout, cancellation and redaction paths run for real before the
 * ops toolsets exist.
 */
import { z } from 'zod';
import { defineTool, type Toolset } from '../../../src/tools/tool-contract.js';

/** Calls made to the test tools, for assertions. */
export interface ToolCalls {
  restarts: string[];
  wipes: string[];
  slowStarted: number;
}

/** A toolset with one tool per pipeline path. */
export function testOpsToolset(calls: ToolCalls, options: { available?: boolean } = {}): Toolset {
  return {
    name: 'test_ops',
    description: 'Test-only ops tools',
    instructions: 'Test tools: restart_service restarts a service.',
    async checkPrerequisites() {
      return options.available === false ? { ok: false, detail: 'test prerequisite missing' } : { ok: true };
    },
    tools: [
      defineTool({
        name: 'restart_service',
        description: 'Restart a service (mutating)',
        inputSchema: z.object({ service: z.string().min(1).max(50), password: z.string().optional() }).strict(),
        outputSchema: z.unknown(),
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 5_000,
        aliases: ['restart'],
        positional: ['service'],
        async execute(input) {
          calls.restarts.push(input.service);
          return { status: 'success', data: { restarted: input.service } };
        },
      }),
      defineTool({
        name: 'wipe_disk',
        description: 'Wipe a disk (disruptive)',
        inputSchema: z.object({ device: z.string().regex(/^sd[a-z]$/) }).strict(),
        outputSchema: z.unknown(),
        risk: 'disruptive',
        minRole: 'operator',
        timeoutMs: 5_000,
        positional: ['device'],
        async execute(input) {
          calls.wipes.push(input.device);
          return { status: 'success', data: { wiped: input.device } };
        },
      }),
      defineTool({
        name: 'slow_probe',
        description: 'Waits until aborted or `ms` elapse',
        inputSchema: z.object({ ms: z.number().int().min(1).max(60_000), ignoreAbort: z.boolean().default(false) }).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 300,
        async execute(input, context) {
          calls.slowStarted += 1;
          context.reportProgress?.({ message: 'waiting', fraction: 0 });
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, input.ms);
            if (!input.ignoreAbort)
              context.signal.addEventListener(
                'abort',
                () => {
                  clearTimeout(timer);
                  resolve();
                },
                { once: true },
              );
          });
          return { status: 'success', data: { waited: input.ms } };
        },
      }),
      defineTool({
        name: 'long_sweep',
        description: 'A durable job that reports progress',
        inputSchema: z.object({ steps: z.number().int().min(1).max(5).default(2) }).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 10_000,
        durable: true,
        async execute(input, context) {
          for (let step = 1; step <= input.steps; step += 1)
            context.reportProgress?.({ message: `step ${step}`, fraction: step / input.steps });
          return { status: 'success', data: { steps: input.steps, node: 'test' } };
        },
      }),
      defineTool({
        name: 'broken_tool',
        description: 'Always throws',
        inputSchema: z.object({}).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 1_000,
        async execute() {
          throw new Error('disk on fire');
        },
      }),
      defineTool({
        name: 'admin_only',
        description: 'Needs admin',
        inputSchema: z.object({}).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'admin',
        timeoutMs: 1_000,
        async execute() {
          return { status: 'success', data: { ok: true } };
        },
      }),
    ],
  };
}

/** A toolset whose prerequisites always fail. */
export function unavailableToolset(): Toolset {
  return {
    name: 'needs_hardware',
    description: 'Missing prerequisites',
    async checkPrerequisites() {
      return { ok: false, detail: 'tc binary not found' };
    },
    tools: [
      defineTool({
        name: 'hardware_probe',
        description: 'Never runs here',
        inputSchema: z.object({}).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 1_000,
        async execute() {
          return { status: 'success', data: {} };
        },
      }),
    ],
  };
}

/** Polls `check` every 20 ms until it returns a value, failing after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
