/**
 * The real `vigie` command on PostgreSQL (skipped without DATABASE_URL): migrate twice on a
 * dedicated database, start, then the admin commands against the running server: users
 * create, token create (works), token revoke (refused with 401 once the 2 s auth cache
 * expires), bad inputs, an idle connection ended by the database server (logged, replaced), and
 * a graceful SIGTERM. The database is dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { prepareCli, releaseCli, printedAdminToken, runCli, startCli, temporaryDirectory, type RunningCli } from './cli-process.js';

const baseUrl = process.env.DATABASE_URL;

async function administer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('vigie start and admin commands on PostgreSQL', { skip: baseUrl ? false : 'DATABASE_URL not set', timeout: 120_000 }, () => {
  const name = `vigie_startup_${randomBytes(5).toString('hex')}`;
  const dataDir = temporaryDirectory('vigie-start-postgres-');
  const environment: Record<string, string> = { DATA_DIR: dataDir.path };
  let running: RunningCli | undefined;
  let adminToken = '';
  let token = '';
  let tokenId = '';

  before(async () => {
    prepareCli();
    await administer(`CREATE DATABASE ${name}`);
    const url = new URL(baseUrl!);
    url.pathname = `/${name}`;
    environment.DATABASE_URL = url.toString();
  });
  after(async () => {
    if (running) await running.stop().catch(() => undefined);
    await administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    dataDir.remove();
    releaseCli();
  });

  test('vigie migrate applies the migrations, and a second run says up to date', async () => {
    const first = await runCli(['migrate'], environment);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied \d+ migration\(s\): .*20261122000000_init/);
    const second = await runCli(['migrate'], environment);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Database is up to date/);
  });

  test('start serves /health on PostgreSQL and prints the admin token once', async () => {
    running = await startCli(environment);
    const health = (await (await fetch(`${running.url}/health`)).json()) as { status: string; db: { backend: string } };
    assert.equal(health.status, 'ok');
    assert.equal(health.db.backend, 'postgres');
    adminToken = printedAdminToken(running.output()) ?? '';
    assert.ok(adminToken, running.output());
    assert.equal((await fetch(`${running.url}/docs/`)).status, 200);
  });

  test('users create and token create (while the server runs) mint a token the server accepts', async () => {
    const user = await runCli(['users', 'create', 'bob', '--role', 'operator', '--json'], environment);
    assert.equal(user.code, 0, user.stderr);
    const minted = await runCli(['token', 'create', '--user', 'bob', '--name', 'e2e', '--role', 'viewer'], environment);
    assert.equal(minted.code, 0, minted.stderr);
    token = minted.stdout.trim();
    tokenId = /token ([0-9a-f-]{36}) for bob, role viewer/.exec(minted.stderr)?.[1] ?? '';
    assert.ok(token && tokenId, minted.stderr);

    const list = await fetch(`${running!.url}/api/conversations`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.status, 200);
    const listed = await runCli(['token', 'list', '--json'], environment);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(token), 'token list never shows a token');
    assert.ok((JSON.parse(listed.stdout) as Array<{ id: string }>).some((entry) => entry.id === tokenId));
  });

  test('bad inputs exit 1 with clear messages and change nothing', async () => {
    const duplicate = await runCli(['users', 'create', 'bob'], environment);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already exists|conflict/i);
    const unknownUser = await runCli(['token', 'create', '--user', 'nobody-by-that-name'], environment);
    assert.equal(unknownUser.code, 1);
    assert.match(unknownUser.stderr, /not found/i);
    const unknownToken = await runCli(['token', 'revoke', '00000000-0000-4000-8000-000000000000'], environment);
    assert.equal(unknownToken.code, 1);
    assert.match(unknownToken.stderr, /not found/i);
    const badRole = await runCli(['users', 'create', 'carol', '--role', 'root'], environment);
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /role must be one of/);
    for (const output of [duplicate, unknownUser, unknownToken, badRole]) assert.doesNotMatch(output.stderr, /\n\s+at /);
    const users = await runCli(['users', 'list', '--json'], environment);
    assert.deepEqual((JSON.parse(users.stdout) as Array<{ name: string }>).map((user) => user.name).sort(), ['admin', 'bob']);
  });

  test('token revoke makes the running server refuse the token with 401', async () => {
    const revoked = await runCli(['token', 'revoke', tokenId], environment);
    assert.equal(revoked.code, 0, revoked.stderr);
    // The server caches authentication for 2 s: poll (bounded) until it notices.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${running!.url}/api/conversations`, { headers: { authorization: `Bearer ${token}` } })).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 401);
    const admin = await fetch(`${running!.url}/api/conversations`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(admin.status, 200);
  });

  test('an idle connection the database server ends is logged, and the pool replaces it', async () => {
    const url = new URL(environment.DATABASE_URL!);
    await (await fetch(`${running!.url}/health`)).json(); // the pool holds at least one idle connection
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    let ended = 0;
    try {
      const rows = await client.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
      ended = rows.rows.filter((row) => row.ended).length;
    } finally {
      await client.end();
    }
    assert.ok(ended > 0, 'the server had idle connections to end');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !/an idle database connection failed/.test(running!.output())) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const line =
      running!
        .output()
        .split('\n')
        .find((entry) => entry.includes('an idle database connection failed')) ?? '';
    assert.match(line, /"level":40/, running!.output().slice(-2000));
    assert.match(line, /terminating connection due to administrator command/);
    assert.doesNotMatch(line, /postgresql:\/\//, 'no connection string in the log');
    const health = (await (await fetch(`${running!.url}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
  });

  test('SIGTERM stops the server cleanly with exit code 0', async () => {
    const stopped = await running!.stop();
    running = undefined;
    assert.equal(stopped.signal, null);
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.match(stopped.stdout, /"msg":"stopped"/);
  });
});
