/**
 * The core of a one-shot CLI command (`vigie schedules`, `hooks`, `kb`, the local admin
 * commands): the same `buildCoreServices` the server runs, over the configured database, so a
 * CLI action is audited, indexed for audit search and routed exactly as on the server. Logs go
 * to stderr: stdout is the command's output (`--json`).
 */
import { pino } from 'pino';
import type { Config } from '../config.js';
import { buildCoreServices } from '../core/core-services-builder.js';
import type { CoreServices } from '../core/core-services.js';
import type { Database } from '../db/database.js';
import type { Embedder } from '../inference/inference-contract.js';
import { createLogger } from '../logger.js';

/** What a CLI core is built over. */
export interface CliCoreOptions {
  config: Config;
  database: Database;
  /** The configured embedder (`vigie kb`); default: the built-in lexical one. */
  embedder?: Embedder | undefined;
}

/** Builds the core over an open database, runs `work`, then drains the core; the caller closes the database. */
export async function withCliCore<T>(options: CliCoreOptions, work: (core: CoreServices) => Promise<T>): Promise<T> {
  const logger = createLogger(options.config.LOG_LEVEL, pino.destination(2));
  const core = buildCoreServices({ config: options.config, logger, database: options.database, embedder: options.embedder });
  try {
    return await work(core.services);
  } finally {
    await core.close();
  }
}
