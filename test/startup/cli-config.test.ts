/**
 * The real `vigie` command: --help lists the commands, and a bad configuration stops
 * start-up with exit code 1 and one clear message naming the variable, never echoing a
 * secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareCli, releaseCli, runCli, temporaryDirectory } from './cli-process.js';

describe('vigie CLI: help and configuration errors', { timeout: 120_000 }, () => {
  const dataDir = temporaryDirectory('vigie-cli-config-');

  before(() => prepareCli());
  after(() => {
    releaseCli();
    dataDir.remove();
  });

  test('--help through bin/vigie.js lists start, migrate, users and token', async () => {
    const result = await runCli(['--help'], { DATA_DIR: dataDir.path }, { viaBin: true });
    assert.equal(result.code, 0, result.stderr);
    for (const command of ['start', 'migrate', 'users', 'token']) {
      assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `--help should list ${command}:\n${result.stdout}`);
    }
    const token = await runCli(['token', '--help'], { DATA_DIR: dataDir.path });
    assert.equal(token.code, 0);
    assert.match(token.stdout, /create/);
    assert.match(token.stdout, /revoke/);
  });

  const badConfigurations: Array<{ variable: string; value: string; message: RegExp; secret?: string }> = [
    { variable: 'PORT', value: 'abc', message: /PORT: .*number/i },
    {
      variable: 'DATABASE_URL',
      value: 'mysql://vigie:hunter2-database-password@db.example:3306/vigie',
      message: /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/,
      secret: 'hunter2-database-password',
    },
    {
      variable: 'ADMIN_TOKEN',
      value: 'short-secret-token',
      message: /ADMIN_TOKEN: must be at least 24 characters/,
      secret: 'short-secret-token',
    },
    { variable: 'LOG_LEVEL', value: 'loud', message: /LOG_LEVEL:/ },
  ];

  for (const { variable, value, message, secret } of badConfigurations) {
    test(`start with a bad ${variable} exits 1 with one clear message`, async () => {
      const result = await runCli(['start'], { DATA_DIR: dataDir.path, [variable]: value });
      assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Invalid configuration/);
      // One problem, one message: the other (valid) variables are not mentioned.
      assert.equal(result.stderr.match(/^\s+[A-Z_]+: /gm)?.length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      if (secret) {
        assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'the secret value is never printed');
      }
      assert.equal(result.stdout.includes('listening'), false, 'the server never started');
    });
  }

  test('a bad configuration also stops admin commands (migrate) before touching the database', async () => {
    const result = await runCli(['migrate'], { DATA_DIR: dataDir.path, DATABASE_POOL_SIZE: '0' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DATABASE_POOL_SIZE:/);
  });

  test('an unknown command exits non-zero with a hint', async () => {
    const result = await runCli(['frobnicate'], { DATA_DIR: dataDir.path });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unknown command|too many arguments/i);
  });
});
