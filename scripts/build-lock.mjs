// One build at a time in a tree. `prepare` (after npm install), `npm run build` and
// bin/vigie.js (first run, or sources changed) may run at once; without this lock one of them
// found dist/ missing mid-build and started a second build over the first.
// The lock is a directory (mkdir is atomic) holding the owner's pid: a lock whose owner is
// gone (killed build) is taken over.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const POLL_MS = 200;

/** Where the lock of the tree at `root` lives (ignored by git, next to dist/). */
export function buildLockPath(root) {
  return path.join(root, '.build-lock');
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function ownerAlive(lock) {
  let pid;
  try {
    pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Created an instant ago, pid not written yet: alive; an owner killed in that instant
    // leaves a lock without pid, taken over after 10 s.
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Blocks while another live process builds this tree; returns whether it had to wait. */
export function waitForBuild(root, onWait = () => {}) {
  const lock = buildLockPath(root);
  let waited = false;
  while (existsSync(lock) && ownerAlive(lock)) {
    if (!waited) onWait();
    waited = true;
    sleep(POLL_MS);
  }
  return waited;
}

/** Takes the build lock of the tree at `root`, waiting for a live owner; returns its release. */
export function acquireBuildLock(root, onWait = () => {}) {
  const lock = buildLockPath(root);
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (!ownerAlive(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!waited) onWait();
    waited = true;
    sleep(POLL_MS);
  }
}
