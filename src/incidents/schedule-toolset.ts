/**
 * The chat forms of scheduling, through the command router like any command:
 * `schedule net check core-router every 5m` and `planifier net check core-router toutes les
 * 5 minutes`. Creating a recurring job is a change, so the tool is `mutate`: it waits for an
 * approval (the requester's own click is enough), and a model — or alert text it read — can
 * only ever propose it. Extra key=value words (`ports=22`) belong to the scheduled command.
 */
import { z } from 'zod';
import { safeText } from '../contracts/safe-text.js';
import { AppError } from '../errors.js';
import { defineTool, type Toolset } from '../tools/tool-contract.js';
import { splitEvery } from './schedule-input.js';
import type { ScheduleService } from './schedule-service.js';

const scalar = z.union([safeText().max(500), z.number(), z.boolean()]);

const scheduleAddSchema = z
  .object({
    request: safeText()
      .trim()
      .min(1)
      .max(600)
      .describe('The command and how often: "net check core-router every 5m" (or "… toutes les 5 minutes")'),
    name: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .optional()
      .describe('A name for the schedule (default: from the command)'),
  })
  .catchall(scalar);

/** Builds the `schedules` toolset (one tool: schedule_add); `service` is read at call time (built after the registry). */
export function scheduleToolset(service: () => ScheduleService): Toolset {
  return {
    name: 'schedules',
    description: 'Scheduled read-only checks that open and resolve incidents',
    tools: [
      defineTool({
        name: 'schedule_add',
        title: 'Schedule a check',
        description: 'Runs a read-only check command at a fixed interval; failing runs open an incident, healthy ones resolve it.',
        inputSchema: scheduleAddSchema,
        outputSchema: z.object({ summary: z.string(), schedule: z.object({ id: z.string(), name: z.string(), command: z.string() }) }),
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 15_000,
        aliases: ['schedule', 'planifier'],
        positional: ['request'],
        examples: ['schedule net check core-router every 5m', 'planifier net check core-router toutes les 5 minutes'],
        async execute(input, context) {
          const { request, name, ...extra } = input as { request: string; name?: string } & Record<string, unknown>;
          try {
            const { command, interval, intervalMs } = splitEvery(request);
            const pairs = Object.entries(extra).map(([key, value]) => `${key}=${String(value)}`);
            const line = [command, ...pairs].join(' ');
            const schedule = await service().create(
              { principal: context.principal, channel: context.channel },
              { command: line, interval, ...(name ? { name } : {}) },
            );
            return {
              status: 'success',
              data: {
                summary: `Scheduled "${schedule.command}" every ${intervalMs / 1000} s as ${schedule.name} (${schedule.id}).`,
                schedule,
              },
            };
          } catch (error) {
            if (error instanceof AppError) return { status: 'error', error: { code: error.code, message: error.message } };
            throw error;
          }
        },
      }),
    ],
    async checkPrerequisites() {
      return { ok: true };
    },
  };
}
