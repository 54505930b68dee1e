/**
 * `audit_trail`: the audit log read from chat as a timeline (admins only, like /api/audit):
 * every stage of one execution (`audit trail <execution id>`), one tool's recent events, or
 * the latest events. Read-only; the view is the audit timeline (src/tools/core/core-views.ts).
 */
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { defineTool, type ToolDefinition } from '../tool-contract.js';
import { auditTimelineView, type AuditTimelineEvent } from './core-views.js';
import { auditTrailOutput } from './core-output-schemas.js';

const SELECTED = { createdAt: true, action: true, status: true, actorName: true, channel: true, tool: true, details: true } as const;

/** Builds the tool over the database's audit_events table. */
export function auditTrailTool(database: Database): ToolDefinition {
  return defineTool({
    name: 'audit_trail',
    description: 'Show the audit trail as a timeline: every stage of one execution (by id), or the latest events, optionally of one tool.',
    inputSchema: z
      .object({
        execution: z.uuid().optional().describe('An execution id: every stage of that execution'),
        tool: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .regex(/^[\w.-]+$/, 'a tool name')
          .optional()
          .describe('Only events of this tool'),
        limit: z.coerce.number().int().min(1).max(50).default(20).describe('How many events (newest)'),
      })
      .strict(),
    outputSchema: auditTrailOutput,
    risk: 'read',
    minRole: 'admin',
    timeoutMs: 10_000,
    aliases: ['audit trail', 'journal audit', 'piste audit'],
    positional: ['execution'],
    examples: ['audit trail', 'audit trail 01a24d7a-eb3a-7bfd-a781-d5c873287235', 'audit trail tool=qos_apply limit=10'],
    view: (input, result) => {
      const events = (result.status === 'success' ? (result.data as { events?: AuditTimelineEvent[] }).events : undefined) ?? [];
      return auditTimelineView(events, input.execution ? `Execution ${input.execution}` : 'Audit trail');
    },
    async execute(input) {
      const rows = await database.prisma.auditEvent.findMany({
        where: { ...(input.execution ? { executionId: input.execution } : {}), ...(input.tool ? { tool: input.tool } : {}) },
        orderBy: { id: 'desc' },
        take: input.limit,
        select: SELECTED,
      });
      if (rows.length === 0) return { status: 'no_data', message: 'No audit event matches' };
      const events: AuditTimelineEvent[] = rows.reverse().map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
      return { status: 'success', data: { events } };
    },
  });
}
