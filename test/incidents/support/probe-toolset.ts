/**
 * A read-only check tool whose answer the test controls (`state`): `probe check <host>`
 * reports a critical finding while the host is marked down, like net_check does, and records
 * every execution (with the node that ran it) so tests can count runs independently of the
 * schedule_runs table. `delayMs` makes a run last long enough to kill its node mid-run.
 */
import { z } from 'zod';
import { defineTool, type Toolset } from '../../../src/tools/tool-contract.js';

/** What the probe reads and records. */
export interface ProbeState {
  down: Set<string>;
  executed: Array<{ target: string; node: string; at: number }>;
  delayMs?: number;
  /** Hears each execution as it starts (a child node reports it on stdout). */
  onExecute?: (target: string) => void;
}

/** Builds the probe toolset for one node. */
export function probeToolset(state: ProbeState, node = 'node'): Toolset {
  return {
    name: 'probe',
    description: 'Test-only read-only check',
    async checkPrerequisites() {
      return { ok: true };
    },
    tools: [
      defineTool({
        name: 'probe_check',
        description: 'Checks a host (test double of net_check)',
        inputSchema: z.object({ targets: z.string().min(1).max(200) }).strict(),
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'operator',
        timeoutMs: 30_000,
        aliases: ['probe check'],
        positional: ['targets'],
        async execute(input, context) {
          state.executed.push({ target: input.targets, node, at: Date.now() });
          state.onExecute?.(input.targets);
          if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
          const down = state.down.has(input.targets);
          if (context.signal.aborted) return { status: 'error', error: { code: 'aborted', message: 'aborted' } };
          return {
            status: 'success',
            data: down
              ? {
                  summary: `1 critical finding on 1 target. Worst: ${input.targets} does not answer ICMP`,
                  findings: [{ severity: 'critical', title: `${input.targets} does not answer ICMP`, evidence: '0 of 3 echo replies' }],
                }
              : {
                  summary: 'No problem found on 1 target.',
                  findings: [{ severity: 'ok', title: `${input.targets} answers`, evidence: 'loss 0 %' }],
                },
          };
        },
      }),
    ],
  };
}
