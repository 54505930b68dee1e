/**
 * The python-socketio client of docs/realtime.md against a real server: it joins with
 * afterSeq, pages `conversation:sync`, sends, and its broadcast handler (written with
 * `*offset`) receives the connection-state-recovery offset as a second argument. Runs when
 * a python3 can import socketio (Debian: python3-socketio python3-websocket).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const run = promisify(execFile);
const script = path.join(import.meta.dirname, 'fixtures/python-client.py');

/** The first interpreter that can import socketio (Debian's /usr/bin/python3 before a pyenv shim). */
function pythonWithSocketio(): string | null {
  for (const candidate of [process.env.PYTHON, '/usr/bin/python3', 'python3']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['-c', 'import socketio, websocket'], {
        stdio: 'ignore',
      });
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}
const python = pythonWithSocketio();

describe(
  'python-socketio client',
  {
    skip: python ? false : 'python3 cannot import socketio and websocket (apt-get install python3-socketio python3-websocket)',
    timeout: 120_000,
  },
  () => {
    let harness: TestApp;

    before(async () => {
      harness = await startTestApp(await testBackends()[0]!.open(), {
        gateway: true,
      });
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('joins, pages, sends and takes the extra offset argument', async () => {
      const api = apiClient(harness.url, harness.adminToken);
      const conversationId = (await api.post('/api/conversations', { title: 'python' })).body.id;
      for (const content of ['one', 'two', 'three', 'four', 'five'])
        await api.post(`/api/conversations/${conversationId}/messages`, {
          content,
        });
      const { stdout } = await run(python!, [script, harness.url, harness.adminToken, conversationId], { timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      assert.equal(result.bad, 'validation_error');
      assert.deepEqual(result.seen.slice(0, 5), [1, 2, 3, 4, 5]);
      assert.ok(result.seen.includes(result.sentSeq));
      assert.deepEqual(new Set(result.seen).size, result.seen.length);
      // Every broadcast carried exactly one extra argument: the offset.
      assert.ok(result.offsets.length >= 1);
      assert.ok(result.offsets.every((count: number) => count === 1));
    });
  },
);
