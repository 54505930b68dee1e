/**
 * One Vigie node as its own OS process, for the multi-node tests: the real composition root
 * (startServer) with the environment the parent gives it. Prints `READY <url>` once
 * listening and stops cleanly on SIGTERM.
 */
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startServer } from '../../../src/main.js';

const config = loadConfig();
const running = await startServer(config, createLogger(config.LOG_LEVEL, process.stderr as never));
process.stdout.write(`READY ${running.url}\n`);
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), 15_000).unref();
  running.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
