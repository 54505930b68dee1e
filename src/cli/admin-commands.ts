/**
 * Admin commands: migrate, users, tokens. They share the server's configuration
 * (DATABASE_URL or DATA_DIR). With embedded PGlite and a running server, the CLI sends them
 * to that server over its private admin socket (admin-socket.ts), which runs these same
 * commands on its own database: never a write to a second copy.
 */
import type { Command } from 'commander';
import type { AuditLog } from '../audit/audit-log.js';
import { loadConfig } from '../config.js';
import { redisTargetFromConfig } from '../redis-target.js';
import { databaseOptionsFromConfig, migrateAsOwner, openDatabase, openMigratedDatabase, type Database } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import {
  identityLinker,
  tokenLister,
  tokenMinter,
  tokenRevoker,
  userCreator,
  userFinder,
  userLister,
  userLocaleSetter,
  userUpdater,
} from '../actions/users.js';
import { createTranslator, SUPPORTED_LOCALES, type Locale, type Translator } from '../contracts/i18n.js';
import { publishAccessChange, type AccessChange } from '../auth/access-changes.js';
import { ROLES, type Role } from '../auth/roles.js';
import { ValidationError } from '../errors.js';
import { registerAuditCommands } from './audit-commands.js';
import { withCliCore } from './cli-core.js';

/** CLI actions are audited as channel `cli`, with no user id. */
const CLI_ACTOR = { userId: '', userName: 'cli', channel: 'cli' as const };

/** Where the admin commands print and which database they run on (local CLI or the server's socket). */
export interface AdminIo {
  console: Console;
  /** Runs work on the database; `migrated: false` skips start-up migrations (`vigie migrate` runs them itself). */
  withDatabase<T>(work: (database: Database, audit: AuditLog) => Promise<T>, options?: { migrated?: boolean }): Promise<T>;
  /** Tells running nodes that a token was revoked or a user changed (they drop its cache and sockets at once). */
  announce(change: AccessChange): Promise<void>;
}

/** The CLI's own: the process console and a database opened from the configuration, closed after. */
export const localAdminIo: AdminIo = {
  console,
  async withDatabase(work, options) {
    const config = loadConfig();
    const database =
      options?.migrated === false
        ? await openDatabase(databaseOptionsFromConfig(config))
        : (await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE, config.MIGRATION_DATABASE_URL)).database;
    try {
      return await withCliCore({ config, database }, (core) => work(database, core.audit));
    } finally {
      await database.close();
    }
  },
  async announce(change) {
    const target = redisTargetFromConfig(loadConfig());
    if (!target) {
      console.error('no REDIS_URL or REDIS_SENTINELS: running servers apply the change within 2 s (their cache expiry)');
      return;
    }
    const { createRedisClient } = await import('../redis.js');
    // One try (a Sentinel target: each Sentinel once), then the fallback message below.
    const redis = createRedisClient(target, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      sentinelRetryStrategy: () => null,
    });
    try {
      await redis.connect();
      await publishAccessChange(redis, change);
    } catch (error) {
      console.error(
        `could not tell running servers through Redis (${(error as Error).message}); they apply the change within 2 s (their cache expiry)`,
      );
    } finally {
      redis.disconnect();
    }
  },
};

function parseRole(value: string, i18n: Translator = createTranslator('en')): Role {
  if (!(ROLES as readonly string[]).includes(value))
    throw new ValidationError(i18n.t('cli.errors.roleMustBe', { roles: ROLES.join(', ') }));
  return value as Role;
}

/** A profile locale from the command line: `en`, `fr`, or `none` (clears it); anything else is refused. */
export function parseProfileLocale(value: string, i18n: Translator = createTranslator('en')): Locale | null {
  if (value === 'none') return null;
  if (!(SUPPORTED_LOCALES as readonly string[]).includes(value))
    throw new ValidationError(i18n.t('cli.errors.localeMustBe', { locales: SUPPORTED_LOCALES.join(', ') }));
  return value as Locale;
}

/** The names of the command groups registered here (the CLI forwards these to a running server). */
export const ADMIN_COMMANDS = ['migrate', 'users', 'token', 'audit'] as const;

/** Registers migrate, users and token commands; messages and table headers in `i18n`'s language. */
export function registerAdminCommands(program: Command, io: AdminIo = localAdminIo, i18n: Translator = createTranslator('en')): void {
  const { console, withDatabase } = io;
  registerAuditCommands(program, io);
  const print = (value: unknown, json: boolean | undefined): void => {
    if (json) console.log(JSON.stringify(value, null, 2));
    else if (Array.isArray(value)) console.table(value);
    else console.log(value);
  };
  // Table headers in the reader's language (JSON keeps its field names).
  const headed = (row: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(row).map(([key, cell]) => [i18n.t(`cli.table.${key}`), cell]));
  program
    .command('migrate')
    .description('apply pending database migrations (also done automatically at start-up)')
    .action(async () => {
      // With MIGRATION_DATABASE_URL (PostgreSQL), as the owner, then the runtime role's grants (docs/audit.md).
      const config = io === localAdminIo ? loadConfig() : undefined;
      const report =
        config?.MIGRATION_DATABASE_URL && config.DATABASE_URL
          ? await migrateAsOwner(config.MIGRATION_DATABASE_URL, config.DATABASE_URL)
          : await withDatabase((database) => migrate(database.sql), { migrated: false });
      console.log(
        report.applied.length
          ? i18n.t('cli.out.migrated', { count: report.applied.length, names: report.applied.join(', ') })
          : i18n.t('cli.out.upToDate', { count: report.alreadyApplied }),
      );
      if (report.modified.length) console.warn(i18n.t('cli.out.modified', { names: report.modified.join(', ') }));
    });

  const users = program.command('users').description('manage users');
  users
    .command('create <name>')
    .description('create a user')
    .option('-r, --role <role>', `role (${ROLES.join('|')})`, 'viewer')
    .option('-d, --display-name <displayName>', 'display name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { role: string; displayName?: string; json?: boolean }) => {
      const role = parseRole(options.role, i18n);
      const user = await withDatabase((database, audit) =>
        userCreator(database.prisma, audit, CLI_ACTOR, { name, role, displayName: options.displayName }),
      );
      print(user, options.json);
    });
  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withDatabase((database) => userLister(database.prisma));
      print(
        options.json
          ? list
          : list.map(({ id, name, role, disabled, locale }) => headed({ id, name, role, disabled, locale: locale ?? '' })),
        options.json,
      );
    });
  users
    .command('role <user> <role>')
    .description(`change a user's role (${ROLES.join('|')}); every running node applies it at once`)
    .action(async (user: string, roleName: string) => {
      const role = parseRole(roleName, i18n);
      const updated = await withDatabase(async (database, audit) => {
        const found = await userFinder(database.prisma, user);
        return userUpdater(database.prisma, audit, CLI_ACTOR, found.id, { role });
      });
      await io.announce({ kind: 'user', userId: updated.id });
      console.log(i18n.t('cli.out.roleNow', { name: updated.name, role: updated.role }));
    });
  users
    .command('set-locale <user> <locale>')
    .description("set a user's language (en|fr, or none to clear); used when a channel gives no locale")
    .action(async (user: string, localeName: string) => {
      const locale = parseProfileLocale(localeName, i18n);
      const updated = await withDatabase(async (database, audit) => {
        const found = await userFinder(database.prisma, user);
        return userLocaleSetter(database.prisma, audit, CLI_ACTOR, found.id, locale);
      });
      console.log(i18n.t('cli.out.localeNow', { name: updated.name, locale: updated.locale ?? 'none' }));
    });
  users
    .command('link <user>')
    .description('link a Slack or Discord account to a user (by name or id)')
    .option('--slack <userId>', 'Slack user id (U…)')
    .option('--discord <userId>', 'Discord user id (snowflake)')
    .option('--workspace <id>', 'Slack team id or Discord guild id', '')
    .action(async (user: string, options: { slack?: string; discord?: string; workspace: string }) => {
      if (!options.slack === !options.discord) throw new ValidationError(i18n.t('cli.errors.slackOrDiscord'));
      const provider = options.slack ? 'slack' : 'discord';
      const externalId = (options.slack ?? options.discord)!;
      const linked = await withDatabase(async (database, audit) => {
        const found = await userFinder(database.prisma, user);
        return identityLinker(database.prisma, audit, CLI_ACTOR, found.id, {
          provider,
          externalId,
          workspace: options.workspace,
        });
      });
      print(linked, true);
    });

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('mint a token for a user; the token is printed once')
    .requiredOption('-u, --user <user>', 'user name or id')
    .option('-r, --role <role>', "token role, capped at the user's role")
    .option('-n, --name <name>', 'a label for the token', 'cli')
    .option('--expires-days <days>', 'expire after this many days')
    .action(async (options: { user: string; role?: string; name: string; expiresDays?: string }) => {
      const role = options.role ? parseRole(options.role, i18n) : undefined;
      const expiresInDays = options.expiresDays === undefined ? undefined : Number(options.expiresDays);
      if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays < 1)) {
        throw new ValidationError(i18n.t('cli.errors.expiresDays'));
      }
      const minted = await withDatabase(async (database, audit) => {
        const user = await userFinder(database.prisma, options.user);
        return tokenMinter(database.prisma, audit, CLI_ACTOR, user.id, { name: options.name, role, expiresInDays });
      });
      console.log(minted.token);
      console.error(i18n.t('cli.out.tokenFor', { id: minted.info.id, user: options.user, role: minted.info.role }));
    });
  token
    .command('revoke <id>')
    .description('revoke a token by id')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError(i18n.t('cli.errors.tokenId'));
      const revoked = await withDatabase((database, audit) => tokenRevoker(database.prisma, audit, CLI_ACTOR, id));
      await io.announce({ kind: 'token', tokenId: revoked.id });
      console.log(i18n.t('cli.out.revoked', { id: revoked.id, name: revoked.name }));
    });
  token
    .command('list')
    .description('list tokens (metadata only)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withDatabase((database) => tokenLister(database.prisma));
      print(
        options.json
          ? list
          : list.map(({ id, name, prefix, role, revokedAt, lastUsedAt }) => headed({ id, name, prefix, role, revokedAt, lastUsedAt })),
        options.json,
      );
    });
}
