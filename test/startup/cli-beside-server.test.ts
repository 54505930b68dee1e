/**
 * The CLI beside a running embedded server can never lose data: `vigie users create carol`
 * while `vigie start` runs on PGlite goes through the server's admin socket, so carol is
 * visible through the API at once and after a restart; a command that would open a second
 * copy of the PGlite files is refused with a sentence naming the fix; a bad request on the
 * admin socket is answered 400.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { prepareCli, releaseCli, printedAdminToken, runCli, startCli, temporaryDirectory, type RunningCli } from './cli-process.js';

/** Generous bounds: each command boots Node and the CLI, slow on a loaded 2-core machine. */
const SLOW = 240_000;

function postSocket(socketPath: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: '/cli', method: 'POST' }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('vigie CLI beside a running embedded server', { timeout: 900_000 }, () => {
  const dataDir = temporaryDirectory('vigie-cli-beside-');
  const environment = { DATA_DIR: dataDir.path };
  let running: RunningCli | undefined;
  let adminToken = '';

  before(() => prepareCli());
  after(async () => {
    if (running) await running.stop().catch(() => undefined);
    dataDir.remove();
    releaseCli();
  });

  async function userNames(url: string): Promise<string[]> {
    const response = await fetch(`${url}/api/users`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data: { name: string }[] };
    return body.data.map((user) => user.name);
  }

  test('users create and token create go through the server: visible through the API at once', async () => {
    running = await startCli(environment, SLOW);
    adminToken = printedAdminToken(running.output()) ?? '';
    assert.ok(adminToken, running.output());
    const socketPath = path.join(dataDir.path, 'run', 'admin.sock');
    assert.equal(statSync(socketPath).mode & 0o777, 0o600, 'only the owner may use the admin socket');
    assert.equal(statSync(path.dirname(socketPath)).mode & 0o777, 0o700);

    const created = await runCli(['users', 'create', 'carol', '--role', 'operator', '--json'], environment, { timeoutMs: SLOW });
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { name: string }).name, 'carol');
    assert.ok((await userNames(running.url)).includes('carol'), 'carol is visible through the API at once');

    const minted = await runCli(['token', 'create', '--user', 'carol'], environment, { timeoutMs: SLOW });
    assert.equal(minted.code, 0, minted.stderr);
    const carolToken = minted.stdout.trim();
    const me = await fetch(`${running.url}/api/conversations`, { headers: { authorization: `Bearer ${carolToken}` } });
    assert.equal(me.status, 200, 'the token minted through the server works at once');

    const badRole = await runCli(['users', 'create', 'mallory', '--role', 'superuser'], environment, { timeoutMs: SLOW });
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /role must be one of viewer, operator, admin/);
    const duplicate = await runCli(['users', 'create', 'carol'], environment, { timeoutMs: SLOW });
    assert.equal(duplicate.code, 1, duplicate.stdout);
  });

  test('a bad request on the admin socket is refused with 400', async () => {
    const socketPath = path.join(dataDir.path, 'run', 'admin.sock');
    assert.equal((await postSocket(socketPath, 'not json')).status, 400);
    assert.equal((await postSocket(socketPath, JSON.stringify({ argv: [] }))).status, 400);
    assert.equal((await postSocket(socketPath, JSON.stringify({ argv: [42] }))).status, 400);
  });

  test('a second opener of the PGlite directory is refused with a sentence naming the fix', async () => {
    const directory = path.join(dataDir.path, 'pglite');
    await assert.rejects(openDatabase({ backend: 'pglite', dataDir: directory }), (error: Error) => {
      assert.match(error.message, /open in another process \(pid \d+/);
      assert.match(error.message, /stop it first, or use PostgreSQL with DATABASE_URL/);
      return true;
    });
    const second = await runCli(['start'], { ...environment, PORT: '0', HOST: '127.0.0.1' }, { timeoutMs: SLOW });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /is open in another process/);
  });

  test('carol is still there after a restart', async () => {
    const stopped = await running!.stop();
    running = undefined;
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
    running = await startCli(environment, SLOW);
    assert.ok((await userNames(running.url)).includes('carol'));
    const stoppedAgain = await running.stop();
    running = undefined;
    assert.equal(stoppedAgain.code, 0);
    // With no server, the CLI opens the files itself.
    const listed = await runCli(['users', 'list', '--json'], environment, { timeoutMs: SLOW });
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { name: string }[]).some((user) => user.name === 'carol'));
  });
});
