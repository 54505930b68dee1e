/**
 * External binaries come from the fixed system directories (or BINARY_DIRS), never PATH:
 * a `ping` planted in a PATH directory is not the one run.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { createCommandRunner } from './network/command-runner.js';
import { createCommandRunner as createTcRunner } from './qos/tc-runner.js';
import { BinaryNotFoundError, DEFAULT_BINARY_DIRS, childPath, parseBinaryDirs, resolveBinary } from './system-binaries.js';

describe('system binaries', () => {
  const planted = mkdtempSync(path.join(os.tmpdir(), 'vigie-bin-'));
  const script = (name: string, mode: number) => {
    writeFileSync(path.join(planted, name), `#!/bin/sh\necho planted-${name} "$@"\n`);
    chmodSync(path.join(planted, name), mode);
  };
  script('ping', 0o755);
  script('tc', 0o755);
  script('ip', 0o644);
  after(() => rmSync(planted, { recursive: true, force: true }));

  it('never looks in PATH', () => {
    const saved = process.env.PATH;
    process.env.PATH = `${planted}:${saved ?? ''}`;
    try {
      assert.throws(() => resolveBinary('tc', ['/nonexistent-dir']), BinaryNotFoundError);
      for (const name of ['ping', 'tc']) {
        try {
          assert.notEqual(resolveBinary(name), path.join(planted, name));
          assert.ok(DEFAULT_BINARY_DIRS.some((dir) => resolveBinary(name).startsWith(dir + '/')));
        } catch (error) {
          // Not installed on this machine: refused, never taken from PATH.
          assert.ok(error instanceof BinaryNotFoundError, String(error));
        }
      }
    } finally {
      process.env.PATH = saved;
    }
  });

  it('uses BINARY_DIRS, skips non-executable files and refuses odd names', () => {
    assert.equal(resolveBinary('ping', [planted]), path.join(planted, 'ping'));
    assert.throws(() => resolveBinary('ip', [planted]), BinaryNotFoundError);
    assert.throws(() => resolveBinary('../ping', [planted]), BinaryNotFoundError);
    assert.deepEqual(parseBinaryDirs(undefined), [...DEFAULT_BINARY_DIRS]);
    assert.deepEqual(parseBinaryDirs(` ${planted} ,/usr/bin`), [planted, '/usr/bin']);
    assert.throws(() => parseBinaryDirs('bin,/usr/bin'), /absolute/);
    assert.equal(childPath([planted, '/usr/bin']), `${planted}:/usr/bin`);
    assert.throws(() => loadConfig({ BINARY_DIRS: 'relative/bin' }), /BINARY_DIRS/);
    assert.equal(loadConfig({ BINARY_DIRS: planted }).BINARY_DIRS, planted);
  });

  it('runs the resolved absolute path in both runners', async () => {
    const network = createCommandRunner([], [planted]);
    const output = await network('ping', ['-c', '1', '127.0.0.1'], { timeoutMs: 5_000 });
    assert.equal(output.stdout.trim(), 'planted-ping -c 1 127.0.0.1');
    await assert.rejects(createCommandRunner([], ['/nonexistent-dir'])('ping', ['x'], { timeoutMs: 1_000 }), /ping is not installed/);
    const tc = createTcRunner({ binaryDirs: [planted] });
    assert.equal((await tc.run('tc', ['-V'])).trim(), 'planted-tc -V');
    await assert.rejects(tc.run('ip', ['link']), /not installed/);
  });
});
