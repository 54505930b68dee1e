/**
 * The composition root: reads configuration once, opens the database and Redis, builds the
 * app and listens. Everything is constructed here and injected; nothing below reaches for
 * globals.
 */
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from './config.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { connectRedis } from './redis.js';
import { adminBootstrapper } from './actions/users.js';
import { createApp, type App } from './server/app.js';

/** A running node, with the one function that stops it cleanly. */
export interface RunningServer {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** Starts Vigie from a configuration. */
export async function startServer(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningServer> {
  const started = performance.now();
  const { database, migrations } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  logger.info(
    { backend: database.backend, applied: migrations?.applied ?? [], modified: migrations?.modified ?? [] },
    database.backend === 'pglite' ? `embedded PGlite database in ${config.dataDir}/pglite` : 'PostgreSQL database',
  );
  if (migrations?.modified.length) logger.warn({ modified: migrations.modified }, 'applied migrations were edited afterwards');

  let redis: Redis | undefined;
  if (config.REDIS_URL) redis = await connectRedis(config.REDIS_URL, logger);
  else logger.info('REDIS_URL not set: single-node mode (in-memory rate limits)');

  const app = createApp({ config, database, logger, redis });
  const bootstrap = await adminBootstrapper(database.prisma, app.context.audit, config.ADMIN_TOKEN);
  if (bootstrap.token) {
    // Printed once, on the very first start, so the operator can log in; never logged again.
    process.stdout.write(
      `\n  Vigie created the admin user. Its API token (shown once, keep it safe):\n\n    ${bootstrap.token}\n\n`,
    );
  } else if (bootstrap.created) {
    logger.info('admin user created with ADMIN_TOKEN');
  }

  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info({ url, startupMs: Math.round(performance.now() - started) }, `Vigie listening on ${url} (docs at ${url}/docs)`);

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down');
        await app.close();
        if (redis) await redis.quit().catch(() => redis?.disconnect());
        await database.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** `vigie start`: starts and stops cleanly on SIGTERM/SIGINT. */
export async function runServer(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const running = await startServer(config, logger);
  const onSignal = (signal: string) => {
    logger.info({ signal }, 'signal received');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
