/**
 * The embedded database's lock file: a first command on a DATA_DIR that does not exist yet
 * (`vigie kb ingest` before any `vigie start`) creates the directory instead of failing with
 * ENOENT; the lock is released by its holder only.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquirePgliteLock, pgliteLockFile } from '../../src/db/pglite-lock.js';

describe('PGlite lock file', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vigie-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('creates a missing DATA_DIR for its lock, and releases it', () => {
    const directory = path.join(root, 'new', 'data', 'pglite');
    const lock = acquirePgliteLock(directory);
    assert.equal(lock.file, pgliteLockFile(directory));
    assert.ok(existsSync(lock.file));
    lock.release();
    assert.equal(existsSync(lock.file), false);
  });

  it('takes over a lock left by a process that is gone', () => {
    const directory = path.join(root, 'stale', 'pglite');
    const first = acquirePgliteLock(directory);
    first.release();
    // A dead holder's file (pid 2^22 + 1 is above Linux's pid_max default of 4,194,304).
    writeFileSync(pgliteLockFile(directory), JSON.stringify({ pid: 4_194_305, since: new Date().toISOString() }));
    const lock = acquirePgliteLock(directory);
    assert.ok(existsSync(lock.file));
    lock.release();
    assert.equal(existsSync(lock.file), false);
  });
});
