/**
 * `system_status`: what Vigie itself looks like right now (version, uptime, database,
 * toolsets). Read-only, cheap, and the proof that the pipeline runs end to end.
 */
import { systemStatusView } from './core-views.js';
import os from 'node:os';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { VERSION } from '../../version.js';
import { defineTool, type ToolDefinition } from '../tool-contract.js';
import type { ToolsetStatus } from '../tool-registry.js';
import { systemStatusOutput } from './core-output-schemas.js';

/** Builds the tool; `toolsetStatus` reads the registry's last prerequisite check. */
export function systemStatusTool(database: Database, toolsetStatus: () => ToolsetStatus[]): ToolDefinition {
  return defineTool({
    name: 'system_status',
    description: 'Report Vigie health: version, uptime, database latency, memory and which toolsets are available.',
    inputSchema: z.object({}).strict(),
    outputSchema: systemStatusOutput,
    risk: 'read',
    minRole: 'viewer',
    timeoutMs: 5_000,
    aliases: ['status', 'system status', 'statut', 'état', 'etat'],
    examples: ['status', 'system_status'],
    view: (_input, result, i18n) => systemStatusView(result, i18n),
    async execute(_input, context) {
      const started = performance.now();
      await database.ping();
      if (context.signal.aborted) return { status: 'error', error: { code: 'cancelled', message: 'Cancelled' } };
      const memory = process.memoryUsage();
      return {
        status: 'success',
        data: {
          version: VERSION,
          uptimeSeconds: Math.round(process.uptime()),
          database: { backend: database.backend, latencyMs: Math.round((performance.now() - started) * 100) / 100 },
          memory: { rssMb: Math.round(memory.rss / 1048576), heapUsedMb: Math.round(memory.heapUsed / 1048576) },
          load: os.loadavg().map((value) => Math.round(value * 100) / 100),
          toolsets: toolsetStatus(),
        },
      };
    },
  });
}
