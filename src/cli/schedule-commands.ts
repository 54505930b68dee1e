/**
 * `vigie schedules add|list|remove`: scheduled checks managed on the database directly like
 * hooks and users (stop the server first with embedded PGlite). The command is routed against
 * the same toolsets the server registers and must be a read-only tool; a running server arms
 * the new schedule at its next watchdog pass (SCHEDULE_WATCHDOG_MS).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from '../db/database.js';
import { ValidationError } from '../errors.js';
import { scheduleInputSchema } from '../incidents/schedule-input.js';
import { scheduleMetrics } from '../incidents/schedule-metrics.js';
import { ScheduleService } from '../incidents/schedule-service.js';
import { ScheduleStore } from '../incidents/schedule-store.js';
import { InProcessScheduleTimers } from '../incidents/schedule-timers.js';
import { parseOrThrow } from '../core/validation.js';
import { withCliCore } from './cli-core.js';

const CLI_ACTOR = { principal: { userId: '', userName: 'cli', role: 'admin' as const, tokenId: null }, channel: 'cli' as const };

async function withSchedules<T>(work: (service: ScheduleService, store: ScheduleStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  try {
    // Routed against the toolsets the server registers (the shipped capabilities), on the same core.
    return await withCliCore({ config, database }, async (core) => {
      // Imported here, not at CLI start: every other command would pay for importing all capabilities.
      const { shippedCapabilities } = await import('../capabilities.js');
      for (const capability of shippedCapabilities()) {
        const toolset = capability.create(core).toolset;
        if (toolset) core.tools.registry.add(toolset);
      }
      const store = new ScheduleStore(database.sql);
      const service = new ScheduleService({
        store,
        // The running server arms timers; here nothing fires.
        timers: new InProcessScheduleTimers(),
        tools: core.tools,
        incidents: { receive: () => Promise.reject(new Error('the CLI does not run schedules')) },
        audit: core.audit,
        metrics: scheduleMetrics(core.metrics),
        logger: core.logger,
        system: () => Promise.reject(new Error('the CLI does not run schedules')),
        settings: {
          minIntervalMs: config.SCHEDULE_MIN_INTERVAL_MS,
          failThreshold: config.SCHEDULE_FLAP_THRESHOLD,
          recoverThreshold: config.SCHEDULE_RECOVER_THRESHOLD,
          watchdogMs: config.SCHEDULE_WATCHDOG_MS,
          node: 'cli',
        },
      });
      try {
        return await work(service, store);
      } finally {
        await service.close();
      }
    });
  } finally {
    await database.close();
  }
}

function threshold(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,3}$/.test(value)) throw new ValidationError(`Invalid argument.${name}: must be an integer from 1 to 100`);
  return Number(value);
}

/** Registers the schedules commands. */
export function registerScheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('scheduled read-only checks that open and resolve incidents');
  schedules
    .command('add <command...>')
    .description('schedule a read-only check, e.g. vigie schedules add net check core-router --every 5m')
    .requiredOption('-e, --every <interval>', 'how often: 30s, 5m, 2h, 1d')
    .option('-n, --name <name>', 'a name (default: from the command)')
    .option('--fail-threshold <n>', 'consecutive failing runs that open an incident')
    .option('--recover-threshold <n>', 'consecutive healthy runs that resolve it')
    .option('--json', 'print JSON')
    .action(
      async (
        words: string[],
        options: { every: string; name?: string; failThreshold?: string; recoverThreshold?: string; json?: boolean },
      ) => {
        const failThreshold = threshold(options.failThreshold, 'failThreshold');
        const recoverThreshold = threshold(options.recoverThreshold, 'recoverThreshold');
        const input = parseOrThrow(
          scheduleInputSchema,
          {
            command: words.join(' '),
            interval: options.every,
            ...(options.name !== undefined ? { name: options.name } : {}),
            ...(failThreshold !== undefined ? { failThreshold } : {}),
            ...(recoverThreshold !== undefined ? { recoverThreshold } : {}),
          },
          'argument',
        );
        const schedule = await withSchedules((service) => service.create(CLI_ACTOR, input));
        if (options.json) process.stdout.write(JSON.stringify(schedule, null, 2) + '\n');
        else console.log(`Scheduled "${schedule.command}" every ${schedule.intervalMs / 1000} s as ${schedule.name} (${schedule.id}).`);
      },
    );
  schedules
    .command('list')
    .description('list schedules with their last result')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withSchedules((_service, store) => store.list());
      if (options.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else
        console.table(
          list.map((entry) => ({
            id: entry.id,
            name: entry.name,
            command: entry.command,
            every: `${entry.intervalMs / 1000} s`,
            last: entry.lastStatus ?? '-',
            alerting: entry.alerting,
          })),
        );
    });
  schedules
    .command('remove <id>')
    .description('delete a schedule')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError('Invalid argument.id: must be a UUID');
      const schedule = await withSchedules((service) => service.remove(CLI_ACTOR, id));
      console.log(`Removed schedule ${schedule.name}.`);
    });
}
