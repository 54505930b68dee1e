/**
 * Test trees for the dedup suite: a bounded slice of this project's real node_modules
 * (thousands of real files; the full tree runs in bench:dedup), random binary files,
 * duplicates, edge cases (empty, one byte, multi-chunk, modes, links, a link loop, a FIFO),
 * a byte-for-byte tree comparison used after every restore, and the per-suite workspace
 * (fresh database, temporary directory, fixture tree, store settings) the store suites share.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../src/db/database.js';
import { dedupSettingsFromConfig, type DedupSettings } from '../../src/tools/dedup/dedup-settings.js';
import type { TestBackend } from '../support/test-databases.js';

const REPOSITORY = path.resolve(import.meta.dirname, '../..');
/** Real packages copied into the fixture tree (a few thousand files in all). */
export const REAL_PACKAGES = ['zod', 'pg', 'commander', 'express', 'ioredis', 'pino'];

/** Builds the fixture tree under `root`. */
export function buildFixtureTree(root: string, packages: string[] = REAL_PACKAGES): void {
  fs.mkdirSync(path.join(root, 'real'), { recursive: true });
  for (const name of packages) {
    const source = path.join(REPOSITORY, 'node_modules', name);
    if (fs.existsSync(source))
      fs.cpSync(source, path.join(root, 'real', name), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }
  const binary = path.join(root, 'binary');
  fs.mkdirSync(binary);
  const big = randomBytes(3 * 1024 * 1024 + 17);
  fs.writeFileSync(path.join(binary, 'big.bin'), big);
  fs.writeFileSync(path.join(binary, 'big-copy.bin'), big);
  fs.writeFileSync(path.join(binary, 'big-shifted.bin'), Buffer.concat([Buffer.from('X'), big]));
  for (let index = 0; index < 20; index += 1) fs.writeFileSync(path.join(binary, `random-${index}.bin`), randomBytes(1 + index * 997));
  const edge = path.join(root, 'edge cases');
  fs.mkdirSync(edge);
  fs.writeFileSync(path.join(edge, 'empty'), '');
  fs.writeFileSync(path.join(edge, 'one-byte'), 'a');
  fs.writeFileSync(path.join(edge, 'ünïcødé name.txt'), 'password = hunter2\nhello\n');
  fs.writeFileSync(path.join(edge, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.chmodSync(path.join(edge, 'script.sh'), 0o755);
  fs.writeFileSync(path.join(edge, 'private'), 'secret', { mode: 0o600 });
  fs.chmodSync(path.join(edge, 'private'), 0o600);
  fs.utimesSync(path.join(edge, 'one-byte'), new Date('2001-02-03T04:05:06.789Z'), new Date('2001-02-03T04:05:06.789Z'));
  fs.symlinkSync('one-byte', path.join(edge, 'link-to-file'));
  fs.symlinkSync('loop-b', path.join(edge, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(edge, 'loop-b'));
  fs.symlinkSync('..', path.join(edge, 'parent-link'));
  execFileSync('mkfifo', [path.join(edge, 'fifo')]);
}

/** Every regular file and link under `root`, relative, sorted. */
export function listTree(root: string): string[] {
  const found: string[] = [];
  const visit = (directory: string, prefix: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((left, right) => (left.name < right.name ? -1 : 1))) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(path.join(directory, entry.name), relative);
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(relative);
    }
  };
  visit(root, '');
  return found;
}

/** Asserts `restored` holds exactly the files and links of `original`: bytes, modes, mtimes, link targets. */
export function assertSameTree(original: string, restored: string): number {
  const expected = listTree(original);
  assert.deepEqual(listTree(restored), expected);
  for (const relative of expected) {
    const source = fs.lstatSync(path.join(original, relative));
    const copy = fs.lstatSync(path.join(restored, relative));
    if (source.isSymbolicLink()) {
      assert.ok(copy.isSymbolicLink(), relative);
      assert.equal(fs.readlinkSync(path.join(restored, relative)), fs.readlinkSync(path.join(original, relative)));
      continue;
    }
    assert.ok(
      fs.readFileSync(path.join(restored, relative)).equals(fs.readFileSync(path.join(original, relative))),
      `content of ${relative}`,
    );
    assert.equal(copy.mode & 0o7777, source.mode & 0o7777, `mode of ${relative}`);
    assert.ok(Math.abs(copy.mtimeMs - source.mtimeMs) < 0.01, `mtime of ${relative}: ${copy.mtimeMs} vs ${source.mtimeMs}`);
  }
  return expected.length;
}

/** Asserts every file position names a recorded atom and a file that exists (the links no foreign key keeps). */
export async function metadataLinksIntact(database: Database): Promise<void> {
  const rows = await database.sql.query(
    `SELECT fa.file_id FROM dedup_file_atoms fa
      WHERE NOT EXISTS (SELECT 1 FROM dedup_atoms a WHERE a.hash = fa.atom_hash)
         OR NOT EXISTS (SELECT 1 FROM dedup_files f WHERE f.id = fa.file_id) LIMIT 5`,
  );
  assert.equal(rows.length, 0, 'every position names a recorded atom and an existing file');
}

/** What a dedup store suite works in; `tree` is the fixture tree, the store lives in `temporary/store`. */
export interface DedupWorkspace {
  database: Database;
  temporary: string;
  tree: string;
  settings: DedupSettings;
}

/** Opens a fresh database on `backend`, a temporary directory named `prefix…`, the fixture tree of `packages` and 2-worker store settings. */
export async function openDedupWorkspace(
  backend: TestBackend,
  prefix: string,
  options: { packages?: string[]; settings?: Partial<DedupSettings> } = {},
): Promise<DedupWorkspace> {
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const tree = path.join(temporary, 'tree');
  buildFixtureTree(tree, options.packages);
  const settings = { ...dedupSettingsFromConfig({ DEDUP_DIR: path.join(temporary, 'store') })!, workers: 2, ...options.settings };
  return { database: await backend.open(), temporary, tree, settings };
}

/** Closes (and drops) the workspace's database and removes its directory; safe on a half-opened one. */
export async function closeDedupWorkspace(workspace: Partial<DedupWorkspace>): Promise<void> {
  await workspace.database?.close();
  if (workspace.temporary) fs.rmSync(workspace.temporary, { recursive: true, force: true });
}
