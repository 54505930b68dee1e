/**
 * /api/schedules: operators create and delete scheduled checks, everyone reads them (with
 * their latest runs). Bodies are validated with zod (NUL, lone surrogates, bad intervals and
 * oversized values are 400s naming the field) before anything is stored.
 */
import { z } from 'zod';
import type { RouteRegistrar } from '../core/route-declarations.js';
import { idParams } from '../contracts/common-schemas.js';
import { scheduleInputSchema } from './schedule-input.js';
import type { ScheduleService } from './schedule-service.js';
import type { ScheduleStore } from './schedule-store.js';

const runStatus = z.enum(['healthy', 'failing', 'error', 'refused']);

const scheduleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    command: z.string(),
    tool: z.string(),
    args: z.record(z.string(), z.unknown()),
    intervalMs: z.number().int(),
    failThreshold: z.number().int(),
    recoverThreshold: z.number().int(),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    lastStatus: runStatus.nullable(),
    lastSummary: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    consecutiveSuccesses: z.number().int(),
    alerting: z.boolean().meta({ description: 'An incident is open for this schedule (flap-damped)' }),
    runs: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Schedule' });

const runSchema = z
  .object({
    id: z.string(),
    slot: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    node: z.string(),
    status: runStatus,
    healthy: z.boolean(),
    summary: z.string(),
    executionId: z.string().nullable(),
    changed: z.boolean().meta({ description: 'Differs from the previous run' }),
    latenessMs: z.number().int(),
  })
  .meta({ id: 'ScheduleRun' });

/** Registers the schedule routes. */
export function scheduleRoutes(routes: RouteRegistrar, deps: { service: ScheduleService; store: ScheduleStore }): void {
  routes.add({
    method: 'post',
    path: '/schedules',
    tag: 'Incidents',
    minRole: 'operator',
    summary: 'Schedule a read-only check (e.g. "net check core-router" every 5m)',
    description:
      'The command must route to a read-only tool the caller may run. A check failing failThreshold times in a row opens an incident (source schedule); recoverThreshold healthy runs resolve it.',
    body: scheduleInputSchema,
    errors: [409],
    success: { status: 201, description: 'The schedule', schema: scheduleSchema },
    handler: ({ body, principal }) => deps.service.create({ principal, channel: 'api' }, body),
  });

  routes.add({
    method: 'get',
    path: '/schedules',
    tag: 'Incidents',
    summary: 'Scheduled checks',
    success: { status: 200, description: 'Schedules', schema: z.object({ data: z.array(scheduleSchema) }) },
    handler: async () => ({ data: await deps.store.list() }),
  });

  routes.add({
    method: 'get',
    path: '/schedules/:id',
    tag: 'Incidents',
    summary: 'One schedule and its latest runs (newest first)',
    params: idParams,
    success: { status: 200, description: 'The schedule', schema: z.object({ schedule: scheduleSchema, runs: z.array(runSchema) }) },
    handler: async ({ params }) => ({ schedule: await deps.store.find(params.id), runs: await deps.store.runs(params.id) }),
  });

  routes.add({
    method: 'delete',
    path: '/schedules/:id',
    tag: 'Incidents',
    minRole: 'operator',
    summary: 'Delete a schedule (its timer stops on every node)',
    params: idParams,
    success: { status: 200, description: 'The deleted schedule', schema: scheduleSchema },
    handler: ({ params, principal }) => deps.service.remove({ principal, channel: 'api' }, params.id),
  });
}
