/**
 * The `vigie` command line. Each issue's capability adds its commands here, explicitly.
 */
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerDedupCommands } from './dedup-commands.js';
import { registerModelCommands } from './model-commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerKnowledgeCommands } from './knowledge-commands.js';
import { registerIncidentCommands } from './incident-commands.js';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('vigie')
    .description('Vigie: real-time chat and ops bot platform')
    .version(VERSION)
    .showHelpAfterError();
  program
    .command('start', { isDefault: true })
    .description('start the server (REST API, docs, metrics) with the configuration from the environment')
    .action(async () => {
      const { runServer } = await import('../main.js');
      await runServer();
    });
  registerAdminCommands(program);
  registerDedupCommands(program);
  registerModelCommands(program);
  registerServiceCommands(program);
  registerKnowledgeCommands(program);
  registerIncidentCommands(program);
  return program;
}

/** Runs the CLI; known errors print one line and exit 1. */
export async function runCli(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof AppError) {
      console.error(`vigie: ${error.message}`);
      process.exit(1);
    }
    console.error(`vigie: ${(error as Error).message ?? error}`);
    process.exit(1);
  }
}
