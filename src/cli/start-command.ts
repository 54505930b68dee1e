/**
 * `vigie start` without the rest of the command tree: bin/vigie.js comes here for a bare
 * `vigie` or `vigie start`, so start-up does not load the registrations of every other
 * command (dedup, knowledge, MCP, model: about a second of imports; issue 17). Errors end
 * the same way as in `runCli`: one line, exit 1.
 */
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';

/** True when the arguments ask for nothing but the server. */
export function isBareStart(args: readonly string[]): boolean {
  return args.length === 0 || (args.length === 1 && args[0] === 'start');
}

/** Starts the server; known errors print one line and exit 1. */
export async function runStartCommand(): Promise<void> {
  try {
    const { runServer } = await import('../main.js');
    await runServer();
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof AppError ? error.message : ((error as Error).message ?? String(error));
    console.error(`vigie: ${message}`);
    process.exit(1);
  }
}
