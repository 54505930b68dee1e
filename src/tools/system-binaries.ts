/**
 * External programs (tc, ip, ping, fping, tracepath) are started by absolute path, found in
 * a fixed list of system directories, never through the caller's PATH: a PATH holding a
 * user-writable directory must not be able to put its own `tc` in front of the real one.
 * BINARY_DIRS (comma-separated absolute directories) replaces the list where binaries live
 * elsewhere.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Where system binaries are looked up, in order, unless BINARY_DIRS says otherwise. */
export const DEFAULT_BINARY_DIRS: readonly string[] = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Parses a BINARY_DIRS value: absolute directories only; empty or absent gives the default list. */
export function parseBinaryDirs(value: string | undefined): string[] {
  const dirs = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (dirs.length === 0) return [...DEFAULT_BINARY_DIRS];
  const relative = dirs.find((entry) => !path.isAbsolute(entry));
  if (relative) throw new Error(`BINARY_DIRS: ${relative} is not an absolute directory`);
  return dirs.map((entry) => path.resolve(entry));
}

/** The directories of this process (BINARY_DIRS, validated by the configuration at start-up). */
export function binaryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return parseBinaryDirs(env.BINARY_DIRS);
}

/** A program that is not in any of the allowed directories. */
export class BinaryNotFoundError extends Error {
  constructor(name: string, dirs: readonly string[]) {
    super(`${name} is not installed in ${dirs.join(', ')} (set BINARY_DIRS if it lives elsewhere)`);
    this.name = 'BinaryNotFoundError';
  }
}

/** The absolute path of `name` in the first of `dirs` holding an executable file of that name. */
export function resolveBinary(name: string, dirs: readonly string[] = binaryDirs()): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new BinaryNotFoundError(name, dirs);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here (or not executable): try the next directory.
      continue;
    }
  }
  throw new BinaryNotFoundError(name, dirs);
}

/** The PATH given to child processes: the same fixed directories, never the caller's PATH. */
export function childPath(dirs: readonly string[] = binaryDirs()): string {
  return dirs.join(':');
}
