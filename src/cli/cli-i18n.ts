/**
 * The CLI in the operator's language: the locale comes from `--lang en|fr` (anywhere on the
 * line), else the POSIX variables (LC_ALL, then LC_MESSAGES, then LANG: `fr_FR.UTF-8`), else
 * English. Command and option descriptions, commander's own words (Usage, Options, errors)
 * and the admin commands' messages and table headers come from the shared catalog
 * (src/contracts/locales, `cli.*`), so `vigie --help` reads French on a French terminal.
 * Command names never change with the language: they are the ones the README lists.
 */
import { Help, type Command, type Option } from 'commander';
import { createTranslator, hasMessage, resolveLocale, SUPPORTED_LOCALES, type Locale, type Translator } from '../contracts/i18n.js';
import { ValidationError } from '../errors.js';

/** The language of one CLI run and the argv without the `--lang` flag. */
export interface CliLanguage {
  i18n: Translator;
  argv: string[];
}

/** A POSIX locale value (`fr_FR.UTF-8`, `fr_CA@euro`, `C`) as a supported locale, or undefined. */
export function posixLocale(value: string | undefined): Locale | undefined {
  if (!value || value.length > 100) return undefined;
  return resolveLocale(value.split(/[.@]/, 1)[0]);
}

/**
 * Reads `--lang X` / `--lang=X` out of argv (an unsupported value is refused: the operator
 * asked for it explicitly), else the environment's locale; junk in the environment is ignored.
 */
export function cliLanguage(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliLanguage {
  const rest: string[] = [];
  let asked: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index]!;
    if (word === '--') {
      rest.push(...argv.slice(index));
      break;
    }
    if (word === '--lang' || word.startsWith('--lang=')) {
      asked = word === '--lang' ? (argv[index + 1] ?? '') : word.slice('--lang='.length);
      if (word === '--lang') index += 1;
      continue;
    }
    rest.push(word);
  }
  if (asked !== undefined) {
    const locale = resolveLocale(asked);
    if (!locale)
      throw new ValidationError(
        createTranslator(posixLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG)).t('cli.errors.badLang', {
          locales: SUPPORTED_LOCALES.join(', '),
        }),
      );
    return { i18n: createTranslator(locale), argv: rest };
  }
  // POSIX precedence: the first non-empty of LC_ALL, LC_MESSAGES, LANG decides.
  const chosen = env.LC_ALL || env.LC_MESSAGES || env.LANG;
  return { i18n: createTranslator(posixLocale(chosen)), argv: rest };
}

/** The catalog key of a command's description (`cli.commands.users set-locale`). */
export function commandKey(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return `cli.commands.${names.join(' ')}`;
}

/** The catalog key of an option's description (`cli.options.users create --role`). */
export function optionKey(command: Command, option: Option): string {
  return `cli.options.${commandKey(command).slice('cli.commands.'.length)} ${option.long ?? option.short ?? option.name()}`;
}

const TITLES: Record<string, string> = {
  'Usage:': 'usage',
  'Arguments:': 'arguments',
  'Options:': 'options',
  'Commands:': 'commands',
  'Global Options:': 'globalOptions',
};

/** Commander's error lines (`error: unknown command 'x'`) in the catalog's words. */
export function translateCommanderError(text: string, i18n: Translator): string {
  if (i18n.locale === 'en') return text;
  const rules: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
    [/error: unknown command '([^']*)'/, (m) => i18n.t('cli.errors.unknownCommand', { name: m[1] })],
    [/error: unknown option '([^']*)'/, (m) => i18n.t('cli.errors.unknownOption', { name: m[1] })],
    [/error: missing required argument '([^']*)'/, (m) => i18n.t('cli.errors.missingArgument', { name: m[1] })],
    [/error: required option '([^']*)' not specified/, (m) => i18n.t('cli.errors.missingOption', { name: m[1] })],
    [/error: option '([^']*)' argument missing/, (m) => i18n.t('cli.errors.optionArgumentMissing', { name: m[1] })],
    [
      /error: too many arguments(?: for '[^']*')?\. Expected (\d+) arguments? but got (\d+)\./,
      (m) => i18n.t('cli.errors.tooManyArguments', { expected: m[1], got: m[2] }),
    ],
  ];
  return text
    .split('\n')
    .map((line) => {
      for (const [pattern, render] of rules) {
        const match = line.match(pattern);
        if (match) return i18n.t('cli.errors.prefix', { message: render(match) });
      }
      const suggestion = line.match(/^\(Did you mean (.+)\?\)$/);
      if (suggestion) return i18n.t('cli.errors.didYouMean', { name: suggestion[1] });
      return line;
    })
    .join('\n');
}

/**
 * Puts every command and option description, the help and version flags, help's titles and
 * commander's error lines in `i18n`'s language. Descriptions without a catalog entry keep
 * the text given in code (a test requires an entry for each).
 */
export function localizeProgram(program: Command, i18n: Translator): void {
  const visit = (command: Command): void => {
    const key = commandKey(command);
    if (command.parent && hasMessage(key, i18n.locale)) command.description(i18n.t(key));
    for (const option of command.options) {
      const optionCatalogKey = optionKey(command, option);
      if (hasMessage(optionCatalogKey, i18n.locale)) option.description = i18n.t(optionCatalogKey);
    }
    command.helpOption('-h, --help', i18n.t('cli.help.helpFlag'));
    if (command.commands.length) command.helpCommand('help [command]', i18n.t('cli.help.helpFlag'));
    command.configureHelp({
      styleTitle: (title) => (TITLES[title] ? i18n.t(`cli.help.${TITLES[title]}`) : title),
      optionDescription(option) {
        const text = Help.prototype.optionDescription.call(this, option);
        return i18n.locale === 'en'
          ? text
          : text
              .replace(/\(default: ([^)]*)\)/, (_all, value: string) => `(${i18n.t('cli.help.default', { value })})`)
              .replace(/\(choices: ([^)]*)\)/, (_all, values: string) => `(${i18n.t('cli.help.choices', { values })})`);
      },
    });
    command.configureOutput({ outputError: (text, write) => write(translateCommanderError(text, i18n)) });
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}
