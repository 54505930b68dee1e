/**
 * The `vigie` command line: the platform's commands (start, admin, MCP, incidents, schedules,
 * agent) and each capability's commands, from the capability list (src/capabilities.ts).
 */
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { AppError, ValidationError } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import { errorText } from '../contracts/validation-text.js';
import { VERSION } from '../version.js';
import { localAdminIo, registerAdminCommands } from './admin-commands.js';
import { cliLanguage, localizeProgram } from './cli-i18n.js';
import { createTranslator, type Translator } from '../contracts/i18n.js';
import { forwardToRunningServer } from './admin-forward.js';
import type { Capability } from '../core/capability.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerIncidentCommands } from './incident-commands.js';
import { registerScheduleCommands } from './schedule-commands.js';
import { registerAgentCommands } from './agent-commands.js';

/**
 * The platform's own top-level commands: they run without loading the capability modules
 * (every engine and route schema would cost an admin command about 0.4 s of start-up).
 */
const PLATFORM_COMMANDS = new Set(['start', 'migrate', 'users', 'token', 'audit', 'mcp', 'hooks', 'schedules', 'agent']);

/** The capabilities whose commands `argv` may need: none for a platform command, else the shipped list. */
export async function capabilitiesFor(argv: string[]): Promise<Capability[]> {
  const command = argv.find((argument) => !argument.startsWith('-'));
  if (command && PLATFORM_COMMANDS.has(command)) return [];
  return (await import('../capabilities.js')).shippedCapabilities();
}

/** Builds the program (exported for tests) with the commands of `capabilities`, its help and messages in `i18n`'s language. */
export function buildProgram(i18n: Translator = createTranslator('en'), capabilities: Capability[] = []): Command {
  const program = new Command('vigie')
    .description(i18n.t('cli.program'))
    .version(VERSION, '-V, --version', i18n.t('cli.help.versionFlag'))
    // Read (and removed from argv) by cliLanguage before parsing; listed here for --help.
    .option('--lang <locale>', i18n.t('cli.help.langFlag'))
    .showHelpAfterError();
  // CLI flags and arguments obey the same text rules as every other boundary (src/contracts/safe-text.ts).
  program.hook('preAction', (_program, action) => {
    const unsafe = findUnsafeInput({ ...action.opts(), args: action.args }, 'flags');
    if (unsafe) throw new ValidationError(i18n.t('cli.errors.invalidFlag', { path: unsafe.path, message: unsafe.message }), [unsafe]);
  });
  program
    .command('start', { isDefault: true })
    .description('start the server (REST API, docs, metrics) with the configuration from the environment')
    .action(async () => {
      const { runServer } = await import('../main.js');
      await runServer();
    });
  registerAdminCommands(program, localAdminIo, i18n);
  for (const capability of capabilities) capability.cliCommands?.(program);
  registerMcpCommands(program);
  registerIncidentCommands(program);
  registerScheduleCommands(program);
  registerAgentCommands(program);
  localizeProgram(program, i18n);
  return program;
}

/** Runs the CLI; known errors print one line and exit 1. */
export async function runCli(argv: string[] = process.argv): Promise<void> {
  let i18n: Translator | undefined;
  try {
    // The language: --lang, else LC_ALL / LC_MESSAGES / LANG, else English (cli-i18n.ts).
    const language = cliLanguage(argv.slice(2));
    i18n = language.i18n;
    // Beside a running embedded server, admin commands run inside it (one opener per PGlite directory).
    const forwarded = await forwardToRunningServer(language.argv);
    if (forwarded) {
      process.stdout.write(forwarded.stdout);
      process.stderr.write(forwarded.stderr);
      process.exitCode = forwarded.code;
      return;
    }
    await buildProgram(language.i18n, await capabilitiesFor(language.argv)).parseAsync([...argv.slice(0, 2), ...language.argv]);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof AppError) {
      // Refused arguments in the operator's language (validation details), anything else as written.
      console.error(`vigie: ${error instanceof AppError && i18n ? errorText(error, i18n) : error.message}`);
      process.exit(1);
    }
    console.error(`vigie: ${(error as Error).message ?? error}`);
    process.exit(1);
  }
}
