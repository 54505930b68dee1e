/**
 * One process at a time on an embedded PGlite directory: two openers on the same files
 * corrupt them, and a CLI writing to its own copy beside a running server loses the write.
 * A lock file beside the directory (`<dir>.lock`, holding the opener's pid) refuses a
 * second live opener with a sentence naming the fix; a lock left by a dead process is
 * taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';

/** A second process tried to open an embedded database that another live process holds. */
export class DatabaseLockedError extends AppError {
  constructor(directory: string, lockFile: string, pid: number) {
    super(
      'database_locked',
      409,
      `the embedded database in ${directory} is open in another process (pid ${pid}, a running \`vigie start\`?). ` +
        'Admin commands (users, token, migrate) go through that running server by themselves; for anything else stop it first, ' +
        `or use PostgreSQL with DATABASE_URL. If no Vigie process runs, delete ${lockFile}.`,
    );
  }
}

/** A held lock; release() removes the file if it is still ours. */
export interface PgliteLock {
  file: string;
  release(): void;
}

/** Where the lock of an embedded database directory lives. */
export function pgliteLockFile(directory: string): string {
  return `${directory.replace(/[\\/]+$/, '')}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number(JSON.parse(readFileSync(file, 'utf8')).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Unreadable or half-written lock: treated as no live holder (see acquire's retry).
    return undefined;
  }
}

/** The pid of the live process holding the directory, if any. */
export function pgliteLockHolder(directory: string): number | undefined {
  const pid = readHolder(pgliteLockFile(directory));
  return pid !== undefined && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/**
 * Takes the lock or throws DatabaseLockedError. Our own pid in the file is stale too: a
 * restarted container runs as the same pid 1 as the one that left it.
 */
export function acquirePgliteLock(directory: string): PgliteLock {
  const file = pgliteLockFile(directory);
  const content = JSON.stringify({ pid: process.pid, since: new Date().toISOString() });
  // A first command on a new DATA_DIR (`vigie kb ingest` before any `vigie start`) creates it, as the server does.
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      const holder = readHolder(file);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw new DatabaseLockedError(directory, file, holder);
      unlinkSync(file);
    }
  }
  return {
    file,
    release() {
      if (readHolder(file) === process.pid) unlinkSync(file);
    },
  };
}
