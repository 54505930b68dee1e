/**
 * Schemas of the command and execution routes (REST shapes of the tool pipeline).
 */
import { z } from 'zod';
import { EXECUTION_STATUSES } from './execution-view.js';

/** An execution as REST returns it. */
export const executionSchema = z
  .object({
    id: z.uuid(),
    tool: z.string(),
    toolset: z.string(),
    riskLevel: z.enum(['read', 'mutate', 'disruptive']),
    arguments: z.unknown().meta({ description: 'Validated arguments, secrets redacted' }),
    status: z.enum(EXECUTION_STATUSES),
    requesterId: z.uuid(),
    requesterName: z.string(),
    channel: z.string(),
    conversationId: z.uuid().nullable(),
    approverId: z.uuid().nullable(),
    decidedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    durationMs: z.number().int().nullable(),
    result: z.unknown().meta({
      description: '{status: success|error|no_data, data, error, view}: `view` is the readable result view (src/contracts/result-view.ts)',
    }),
    progress: z.unknown(),
    preview: z
      .unknown()
      .optional()
      .meta({ description: 'What approving will do: a result view (src/contracts/result-view.ts); null when no approval was needed' }),
    locale: z
      .enum(['en', 'fr'])
      .nullable()
      .optional()
      .meta({ description: "The requester's language: the result view, preview and outcome line are written in it; null: DEFAULT_LOCALE" }),
    traceId: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Execution' });

/** POST /api/commands body: a command line, or a tool with arguments. */
export const commandBody = z
  .union([
    z
      .object({
        text: z.string().min(1).max(4000).meta({ example: 'kb "core router" limit=3' }),
        conversationId: z.uuid().optional(),
      })
      .strict(),
    z
      .object({
        tool: z.string().min(1).max(100).meta({ example: 'system_status' }),
        args: z.record(z.string(), z.unknown()).default({}),
        conversationId: z.uuid().optional(),
      })
      .strict(),
  ])
  .meta({ id: 'CommandRequest' });

/** A catalog entry. */
export const commandSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    parameters: z.unknown().meta({ description: 'JSON Schema of the arguments' }),
    toolset: z.string(),
    riskLevel: z.string(),
    minRole: z.enum(['viewer', 'operator', 'admin']),
    active: z.boolean().meta({ description: 'False when the toolset prerequisites are not met here' }),
    aliases: z.array(z.string()),
    examples: z.array(z.string()),
    unavailableReason: z.string().optional(),
  })
  .meta({ id: 'Command' });

/** Help answer of POST /api/commands with `help…`. */
export const helpSchema = z.object({ help: z.string() }).meta({ id: 'CommandHelp' });
