/**
 * End-to-end life of a fresh install on embedded PGlite, through the real `vigie` command:
 * first start on an empty DATA_DIR (migrations applied, admin token printed once, /health and
 * /docs served), graceful SIGTERM, `vigie migrate` afterwards (up to date) and a restart that
 * keeps the data. Each PGlite boot costs seconds, so the admin-command flows that need a
 * database run on PostgreSQL (start-postgres.test.ts); here only their argument checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareCli, releaseCli, printedAdminToken, runCli, startCli, temporaryDirectory, type RunningCli } from './cli-process.js';

describe('vigie start on embedded PGlite', { timeout: 180_000 }, () => {
  const dataDir = temporaryDirectory('vigie-start-pglite-');
  const environment = { DATA_DIR: dataDir.path };
  let running: RunningCli | undefined;
  let adminToken = '';
  let conversationId = '';

  before(() => prepareCli());
  after(async () => {
    if (running) await running.stop().catch(() => undefined);
    dataDir.remove();
    releaseCli();
  });

  test('first start serves /health and /docs, prints the admin token once, and stops cleanly on SIGTERM', async () => {
    running = await startCli(environment);
    const health = await fetch(`${running.url}/health`);
    const healthBody = (await health.json()) as { status: string; db: { backend: string } };
    assert.equal(healthBody.status, 'ok');
    assert.equal(healthBody.db.backend, 'pglite');
    const docs = await fetch(`${running.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);

    assert.match(running.output(), /"applied":\["20261122000000_init"/, 'migrations applied at start-up');
    adminToken = printedAdminToken(running.output()) ?? '';
    assert.ok(adminToken.length >= 24, `admin token printed on the first start:\n${running.output()}`);
    assert.equal(running.output().split(adminToken).length - 1, 1, 'the token is printed exactly once');

    const created = await fetch(`${running.url}/api/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Survives restarts 🚀' }),
    });
    assert.equal(created.status, 201);
    conversationId = ((await created.json()) as { id: string }).id;

    const stopped = await running.stop();
    running = undefined;
    assert.equal(stopped.signal, null, 'exited by itself, not killed');
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, /shutting down/);
    assert.match(stopped.stdout, /"msg":"stopped"/);
  });

  test('vigie migrate after the first start says up to date', async () => {
    const result = await runCli(['migrate'], environment);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Database is up to date \(\d+ migration\(s\) applied\)/);
  });

  test('admin commands reject bad arguments with exit code 1 and a clear message', async () => {
    const badRole = await runCli(['users', 'create', 'mallory', '--role', 'superuser'], environment);
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /role must be one of viewer, operator, admin/);

    const badId = await runCli(['token', 'revoke', 'not-a-token-id'], environment);
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /token id must be a UUID/);

    const badExpiry = await runCli(['token', 'create', '--user', 'admin', '--expires-days', 'soon'], environment);
    assert.equal(badExpiry.code, 1);
    assert.match(badExpiry.stderr, /--expires-days must be a positive integer/);
  });

  test('a restart keeps the data and prints no new token', async () => {
    running = await startCli(environment);
    assert.equal(printedAdminToken(running.output()), undefined, 'no admin token on a restart');
    const kept = await fetch(`${running.url}/api/conversations/${conversationId}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(kept.status, 200);
    assert.equal(((await kept.json()) as { title: string }).title, 'Survives restarts 🚀');
    const stopped = await running.stop();
    running = undefined;
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
  });
});
