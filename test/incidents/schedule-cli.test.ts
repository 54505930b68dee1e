/**
 * `vigie schedules add|list|remove` in process (the same program the binary runs) on an
 * embedded database: the command is routed against the shipped toolsets and must be a
 * read-only tool; bad commands, intervals, names, thresholds and ids are refused with the
 * argument named before anything is written.
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

describe('vigie schedules', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigie-schedules-cli-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: process.env.DATA_DIR,
    LOG_LEVEL: process.env.LOG_LEVEL,
    REDIS_URL: process.env.REDIS_URL,
  };
  before(() => {
    delete process.env.DATABASE_URL;
    delete process.env.REDIS_URL;
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

  it('refuses bad commands, intervals, names, thresholds and ids, naming the argument; nothing is written', async () => {
    const refused: Array<[string[], RegExp]> = [
      [['schedules', 'add', 'net', 'check', 'core-router'], /--every/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '5 fortnights'], /unknown unit/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '1s'], /from 10 s to 7 days/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '100000d'], /from 10 s to 7 days/],
      [['schedules', 'add', 'net', 'check', 'a\u0000b', '--every', '5m'], /NUL/],
      [['schedules', 'add', 'net', 'check', '\uD800', '--every', '5m'], /surrogate/],
      [['schedules', 'add', 'net', 'check', 'x'.repeat(600), '--every', '5m'], /argument\.command.*500/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '5m', '--name', 'two words'], /argument\.name/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '5m', '--fail-threshold', '0'], /argument\.failThreshold/],
      [['schedules', 'add', 'net', 'check', 'core-router', '--every', '5m', '--recover-threshold', '99999'], /argument\.recoverThreshold/],
      [['schedules', 'add', 'qos', 'apply', 'eth0', '--every', '5m'], /not a read-only tool|not a tool command/],
      [['schedules', 'add', 'hello', 'there', '--every', '5m'], /not a tool command/],
      [['schedules', 'remove', 'nope'], /argument\.id/],
    ];
    for (const [args, pattern] of refused) assert.match(String((await vigie(args)).error?.message), pattern, args.join(' ').slice(0, 80));
    const listed = await vigie(['schedules', 'list', '--json']);
    assert.equal(listed.error, null, String(listed.error));
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });

  it('adds a read-only check, lists it, refuses a duplicate name and removes it', async () => {
    const added = await vigie(['schedules', 'add', 'net', 'check', '198.18.21.2', '--every', '5m', '--name', 'core', '--json']);
    assert.equal(added.error, null, String(added.error));
    const schedule = JSON.parse(added.stdout) as { id: string; tool: string; args: Record<string, unknown>; intervalMs: number };
    assert.equal(schedule.tool, 'net_check');
    assert.deepEqual(schedule.args, { targets: ['198.18.21.2'] });
    assert.equal(schedule.intervalMs, 300_000);
    assert.match(
      String((await vigie(['schedules', 'add', 'net', 'check', '198.18.21.3', '--every', '1h', '--name', 'core'])).error?.message),
      /already exists/,
    );
    const listed = JSON.parse((await vigie(['schedules', 'list', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(
      listed.map((entry) => entry.name),
      ['core'],
    );
    const removed = await vigie(['schedules', 'remove', schedule.id]);
    assert.equal(removed.error, null, String(removed.error));
    assert.match(removed.stdout, /Removed schedule core/);
    assert.match(String((await vigie(['schedules', 'remove', schedule.id])).error?.message), /not found/i);
  });
});
