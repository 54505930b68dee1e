/**
 * `vigie hooks create|list|revoke`: alert sources for the incident webhooks, managed on the
 * database directly like users and tokens (stop the server first with embedded PGlite). The
 * token is printed once, with the Alertmanager snippet that uses it.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from '../db/database.js';
import { ValidationError } from '../errors.js';
import { hookInputSchema, HookTokens } from '../incidents/hook-tokens.js';
import { parseOrThrow } from '../core/validation.js';
import { withCliCore } from './cli-core.js';

const CLI_ACTOR = { userId: '', userName: 'cli', role: 'admin' as const, tokenId: null };

async function withHooks<T>(work: (hooks: HookTokens) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  try {
    return await withCliCore({ config, database }, (core) => work(new HookTokens(database.prisma, core.audit)));
  } finally {
    await database.close();
  }
}

/** Registers the hooks commands. */
export function registerIncidentCommands(program: Command): void {
  const hooks = program.command('hooks').description('alert sources (Alertmanager, Grafana) for the incident webhooks');
  hooks
    .command('create <source>')
    .description('create an alert source (alertmanager|grafana) and print its bearer token once')
    .requiredOption('-n, --name <name>', 'a name for this source, e.g. prod')
    .option('--secret <secret>', 'grafana only: HMAC-SHA256 secret (at least 16 characters)')
    .option('--json', 'print JSON')
    .action(async (source: string, options: { name: string; secret?: string; json?: boolean }) => {
      const input = parseOrThrow(
        hookInputSchema,
        { source, name: options.name, ...(options.secret !== undefined ? { secret: options.secret } : {}) },
        'argument',
      );
      const hook = await withHooks((store) => store.create(CLI_ACTOR, input));
      if (options.json) {
        process.stdout.write(JSON.stringify(hook, null, 2) + '\n');
        return;
      }
      console.log(`Created ${hook.source} hook "${hook.name}" (${hook.id}). Its token (shown once, keep it safe):\n\n    ${hook.token}\n`);
      console.log(
        hook.source === 'alertmanager'
          ? `Alertmanager receiver:\n  webhook_configs:\n    - url: https://<vigie>/api/hooks/alertmanager\n      http_config:\n        authorization:\n          credentials: ${hook.token}`
          : 'Grafana contact point: webhook to https://<vigie>/api/hooks/grafana with Authorization "Bearer <token>"' +
              (hook.signed ? ', HMAC secret as given and timestamp header X-Grafana-Alerting-Timestamp.' : '.'),
      );
    });
  hooks
    .command('list')
    .description('list alert sources (never their tokens)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withHooks((store) => store.list());
      if (options.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else console.table(list);
    });
  hooks
    .command('revoke <id>')
    .description('revoke an alert source token')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError('Invalid argument.id: must be a UUID');
      const hook = await withHooks((store) => store.revoke(CLI_ACTOR, id));
      console.log(`Revoked ${hook.source} hook "${hook.name}".`);
    });
}
