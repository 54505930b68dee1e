/**
 * `vigie hooks create|list|revoke` in process (the same program the binary runs) on an
 * embedded database: the token is printed once and authenticates; bad sources, names,
 * secrets and ids are refused with the argument named, before anything is written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';

async function vigie(args: string[]): Promise<{ stdout: string; error: Error | null }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  const log = console.log;
  // The test runner reports through stdout with binary chunks: only strings are the CLI's.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string' ? ((stdout += chunk), true) : write(chunk, ...rest)) as typeof process.stdout.write;
  console.log = (...parts: unknown[]) => void (stdout += parts.map(String).join(' ') + '\n');
  try {
    const program = buildProgram();
    // Commander errors become exceptions (not process.exit) on every subcommand.
    const quiet = (command: Command): void => {
      command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      command.commands.forEach(quiet);
    };
    quiet(program);
    await program.parseAsync(['node', 'vigie', ...args]);
    return { stdout, error: null };
  } catch (error) {
    return { stdout, error: error as Error };
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
}

describe('vigie hooks', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigie-hooks-cli-'));
  const saved = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: process.env.LOG_LEVEL };
  before(() => {
    delete process.env.DATABASE_URL;
    process.env.DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'silent';
  });
  after(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad sources, names, secrets and ids, naming the argument', async () => {
    assert.match(String((await vigie(['hooks', 'create', 'nagios', '--name', 'prod'])).error?.message), /argument\.source/);
    assert.match(String((await vigie(['hooks', 'create', 'alertmanager', '--name', 'two words'])).error?.message), /argument\.name/);
    assert.match(
      String((await vigie(['hooks', 'create', 'grafana', '--name', 'g', '--secret', 'short'])).error?.message),
      /argument\.secret.*16/,
    );
    assert.match(
      String((await vigie(['hooks', 'create', 'alertmanager', '--name', 'a', '--secret', 'x'.repeat(20)])).error?.message),
      /only grafana/,
    );
    assert.match(String((await vigie(['hooks', 'create', 'alertmanager'])).error?.message), /--name/);
    assert.match(String((await vigie(['hooks', 'revoke', 'nope'])).error?.message), /argument\.id/);
  });

  it('creates (token printed once), lists without tokens, refuses a duplicate and revokes', async () => {
    const created = await vigie(['hooks', 'create', 'alertmanager', '--name', 'prod', '--json']);
    assert.equal(created.error, null, String(created.error));
    const hook = JSON.parse(created.stdout) as { id: string; token: string; source: string };
    assert.match(hook.token, /^vigh_/);
    assert.equal(hook.source, 'alertmanager');
    const listed = await vigie(['hooks', 'list', '--json']);
    assert.ok(!listed.stdout.includes(hook.token), 'list never shows the token');
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);
    assert.match(String((await vigie(['hooks', 'create', 'alertmanager', '--name', 'prod'])).error?.message), /already exists/);
    const revoked = await vigie(['hooks', 'revoke', hook.id]);
    assert.equal(revoked.error, null);
    assert.match(revoked.stdout, /Revoked alertmanager hook "prod"/);
    const after = JSON.parse((await vigie(['hooks', 'list', '--json'])).stdout) as Array<{ revokedAt: string | null }>;
    assert.ok(after[0]!.revokedAt);
  });
});
