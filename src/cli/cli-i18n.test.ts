/**
 * The CLI's language: `--lang` or LC_ALL / LC_MESSAGES / LANG pick French or English for
 * help, commander's errors, admin messages and table headers, all from the shared catalog;
 * every command and option has its entry in both languages; command names are the same in
 * both and are the ones the README lists; hostile locale input is refused or ignored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { createTranslator, hasMessage } from '../contracts/i18n.js';
import { registerAdminCommands, type AdminIo } from './admin-commands.js';
import { cliLanguage, commandKey, optionKey, posixLocale, translateCommanderError } from './cli-i18n.js';
import { shippedCapabilities } from '../capabilities.js';
import { buildProgram } from './main.js';

const fr = createTranslator('fr');
const en = createTranslator('en');

/** Every command under `program`, depth first. */
function commandsOf(program: Command): Command[] {
  return program.commands.flatMap((command) => [command, ...commandsOf(command)]);
}

/** Runs argv against a program whose output and exits are captured. */
async function capture(program: Command, argv: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const quiet = (command: Command) => {
    command.exitOverride();
    // Merged with the translating outputError that localizeProgram set.
    command.configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
    command.commands.forEach(quiet);
  };
  quiet(program);
  await program.parseAsync(['node', 'vigie', ...argv]).catch((error: unknown) => {
    if (!(error as { code?: string }).code?.startsWith('commander.')) throw error;
  });
  return { out, err };
}

describe('CLI language', () => {
  it('takes --lang first, then LC_ALL, LC_MESSAGES, LANG; English otherwise', () => {
    assert.equal(cliLanguage(['--lang', 'fr', 'users', 'list'], {}).i18n.locale, 'fr');
    assert.deepEqual(cliLanguage(['users', '--lang=fr-CA', 'list'], {}).argv, ['users', 'list']);
    assert.equal(cliLanguage(['--lang', 'en'], { LANG: 'fr_FR.UTF-8' }).i18n.locale, 'en');
    assert.equal(cliLanguage([], { LANG: 'fr_FR.UTF-8' }).i18n.locale, 'fr');
    assert.equal(cliLanguage([], { LANG: 'fr_FR.UTF-8', LC_ALL: 'C' }).i18n.locale, 'en', 'LC_ALL wins');
    assert.equal(cliLanguage([], { LANG: 'en_US.UTF-8', LC_MESSAGES: 'fr_BE@euro' }).i18n.locale, 'fr');
    assert.equal(cliLanguage([], {}).i18n.locale, 'en');
    assert.deepEqual(
      cliLanguage(['kb', 'search', '--', '--lang', 'fr'], {}).argv,
      ['kb', 'search', '--', '--lang', 'fr'],
      'after -- it is an argument',
    );
    assert.equal(posixLocale('fr_CA.ISO-8859-1'), 'fr');
    assert.equal(posixLocale('POSIX'), undefined);
  });

  it('refuses a hostile or unsupported --lang and ignores junk in the environment', () => {
    for (const junk of ['de', '', 'fr\u0000', '\ud800', 'x'.repeat(100_000), '../fr', 'fr;rm -rf']) {
      assert.throws(() => cliLanguage(['--lang', junk], {}), /--lang must be one of en, fr/, JSON.stringify(junk).slice(0, 30));
    }
    assert.throws(() => cliLanguage(['--lang'], { LANG: 'fr_FR.UTF-8' }), /--lang doit valoir en, fr/);
    for (const junk of ['fr\u0000', '\ud800', 'x'.repeat(100_000), '', 'C.UTF-8', 'de_DE.UTF-8'])
      assert.equal(cliLanguage([], { LANG: junk }).i18n.locale, 'en');
  });

  it('has a catalog entry in both languages for every command and option described in code', () => {
    const missing: string[] = [];
    for (const command of commandsOf(buildProgram(undefined, shippedCapabilities()))) {
      if (command.name() === 'help') continue;
      for (const locale of ['en', 'fr'] as const) {
        if (command.description() && !hasMessage(commandKey(command), locale)) missing.push(`${locale} ${commandKey(command)}`);
        for (const option of command.options)
          if (option.description && !hasMessage(optionKey(command, option), locale))
            missing.push(`${locale} ${optionKey(command, option)}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('prints help in French with the same command names, which are the README’s', () => {
    const french = buildProgram(fr, shippedCapabilities());
    const english = buildProgram(en, shippedCapabilities());
    const help = french.helpInformation();
    assert.match(help, /^Utilisation : vigie \[options\] \[command\]/);
    assert.match(help, /^Commandes :$/m);
    assert.match(help, /^ {2}users +gérer les utilisateurs$/m);
    assert.match(help, /--lang <locale> +langue des messages/);
    const create = french.commands.find((command) => command.name() === 'users')!.commands.find((command) => command.name() === 'create')!;
    assert.match(create.helpInformation(), /rôle \(viewer\|operator\|admin\) \(par défaut :\s+"viewer"\)/);
    assert.match(english.helpInformation(), /^Usage: vigie \[options\] \[command\]/);
    const names = (program: Command) => commandsOf(program).map((command) => commandKey(command));
    assert.deepEqual(names(french), names(english));

    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const paths = new Set(names(english).map((key) => key.slice('cli.commands.'.length)));
    for (const top of english.commands)
      if (top.name() !== 'help') assert.match(readme, new RegExp(`\`vigie ${top.name()}\\b`), `README names vigie ${top.name()}`);
    for (const match of readme.matchAll(/`vigie ([a-z-]+)(?: ([a-z][a-z|-]*))?/g)) {
      assert.ok(paths.has(match[1]!), `README's vigie ${match[1]} is a command`);
      if (match[2] && english.commands.find((command) => command.name() === match[1])?.commands.length) {
        for (const sub of match[2].split('|')) assert.ok(paths.has(`${match[1]} ${sub}`), `README's vigie ${match[1]} ${sub} is a command`);
      }
    }
  });

  it('puts commander’s errors in French', async () => {
    assert.equal(
      translateCommanderError("error: unknown option '--frobnicate'\n(Did you mean --format?)", fr),
      'erreur : option inconnue « --frobnicate »\n(Vouliez-vous dire --format ?)',
    );
    assert.equal(translateCommanderError("error: missing required argument 'name'", en), "error: missing required argument 'name'");
    const { err } = await capture(buildProgram(fr), ['users', 'create']);
    assert.match(err, /erreur : argument obligatoire manquant « name »/);
    const unknown = await capture(buildProgram(fr), ['token', 'create', '--user', 'alice', '--bogus']);
    assert.match(unknown.err, /erreur : option inconnue « --bogus »/);
  });

  it('prints admin messages, errors and table headers in French', async () => {
    const tables: unknown[] = [];
    const lines: string[] = [];
    const row = {
      id: '01a24d7a-eb3a-7bfd-a781-d5c873287235',
      name: 'alice',
      displayName: null,
      role: 'operator',
      disabledAt: null,
      locale: 'fr',
      createdAt: new Date(0),
      identities: [],
    };
    const io: AdminIo = {
      console: { ...console, table: (value: unknown) => tables.push(value), log: (line: unknown) => lines.push(String(line)) } as Console,
      withDatabase: (work) => work({ prisma: { user: { findMany: async () => [row] } } } as never, {} as never),
      announce: async () => undefined,
    };
    const program = new Command('vigie').exitOverride();
    registerAdminCommands(program, io, fr);
    await program.parseAsync(['node', 'vigie', 'users', 'list']);
    assert.deepEqual(tables, [[{ id: row.id, nom: 'alice', rôle: 'operator', désactivé: false, langue: 'fr' }]]);
    await assert.rejects(
      program.parseAsync(['node', 'vigie', 'users', 'create', 'bob', '--role', 'root']),
      /le rôle doit être l’un de viewer, operator, admin/,
    );
    await assert.rejects(program.parseAsync(['node', 'vigie', 'token', 'revoke', 'nope']), /l’id de jeton doit être un UUID/);
    await assert.rejects(
      program.parseAsync(['node', 'vigie', 'users', 'set-locale', 'alice', 'de']),
      /la langue doit être l’une de en, fr ou none/,
    );
  });
});
