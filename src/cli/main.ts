/**
 * The `vigie` command line. Each issue's capability adds its commands here, explicitly.
 */
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { AppError, ValidationError } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import { VERSION } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';
import { forwardToRunningServer } from './admin-forward.js';
import { registerDedupCommands } from './dedup-commands.js';
import { registerModelCommands } from './model-commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerKnowledgeCommands } from './knowledge-commands.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerIncidentCommands } from './incident-commands.js';
import { registerScheduleCommands } from './schedule-commands.js';
import { registerAgentCommands } from './agent-commands.js';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('vigie')
    .description('Vigie: real-time chat and ops bot platform')
    .version(VERSION)
    .showHelpAfterError();
  // CLI flags and arguments obey the same text rules as every other boundary (src/contracts/safe-text.ts).
  program.hook('preAction', (_program, action) => {
    const unsafe = findUnsafeInput({ ...action.opts(), args: action.args }, 'flags');
    if (unsafe) throw new ValidationError(`Invalid ${unsafe.path}: ${unsafe.message}`, [unsafe]);
  });
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
  registerMcpCommands(program);
  registerIncidentCommands(program);
  registerScheduleCommands(program);
  registerAgentCommands(program);
  return program;
}

/** Runs the CLI; known errors print one line and exit 1. */
export async function runCli(argv: string[] = process.argv): Promise<void> {
  try {
    // Beside a running embedded server, admin commands run inside it (one opener per PGlite directory).
    const forwarded = await forwardToRunningServer(argv.slice(2));
    if (forwarded) {
      process.stdout.write(forwarded.stdout);
      process.stderr.write(forwarded.stderr);
      process.exitCode = forwarded.code;
      return;
    }
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
