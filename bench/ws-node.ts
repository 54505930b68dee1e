/**
 * A Vigie node for `npm run bench:ws` without the agent: the same database, Redis, app and
 * realtime gateway as `startServer`, so the bench measures the realtime path (auth, zod,
 * rate limit, the message stored with messagePoster, fan-out) and not agent turns, which
 * answer every console message (WS_BENCH_WITH_AGENT=1 benches the full node instead).
 * Prints `READY <url>`. `WS_BENCH_PROFILE_DIR=dir` writes this node's CPU profile there when it
 * stops (summarise with `tsx bench/support/cpu-profile.ts FILE`).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { profileWhile } from './support/cpu-profile.js';
import { loadConfig } from '../src/config.js';
import { adminBootstrapper } from '../src/actions/users.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { connectRedis } from '../src/redis.js';
import { redisTargetFromConfig } from '../src/redis-target.js';
import { buildCoreServices } from '../src/core/core-services-builder.js';
import { createApp } from '../src/server/app.js';
import { createRealtimeGateway } from '../src/server/realtime/gateway.js';

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL, process.stderr as never);
const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), true);
const redisTarget = redisTargetFromConfig(config);
const redis = redisTarget ? await connectRedis(redisTarget, logger) : undefined;
const core = buildCoreServices({ config, database, logger, redis });
const app = createApp({ core });
const gateway = createRealtimeGateway({
  server: app.server,
  context: app.context,
  registry: app.metrics,
  logger,
  redis,
  limits: { eventsPerMinute: config.SOCKET_EVENTS_PER_MINUTE, maxPayloadBytes: config.SOCKET_MAX_PAYLOAD_BYTES },
});
await adminBootstrapper(database.prisma, core.services.audit, config.ADMIN_TOKEN);
await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`READY http://127.0.0.1:${(app.server.address() as AddressInfo).port}\n`);
const stopping = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
const profileDir = process.env.WS_BENCH_PROFILE_DIR;
if (profileDir) await profileWhile(path.join(profileDir, `ws-node-${process.pid}.cpuprofile`), () => stopping);
else await stopping;
void (async () => {
  await gateway.close();
  await app.close();
  await core.close();
  redis?.disconnect();
  await database.close();
  process.exit(0);
})();
