/**
 * Walks a directory tree without following symbolic links (so a link loop cannot trap it),
 * in a stable order, and reports what it cannot read instead of failing: ingest skips those
 * entries and lists them in its report. One directory is read at a time with synchronous
 * calls (readdir, then one lstat per entry): a promise per lstat cost more main-thread time
 * than the syscall itself, and the main thread also dispatches work and commits metadata.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A regular file or a symbolic link found by the walk. */
export interface WalkEntry {
  kind: 'file' | 'symlink';
  /** POSIX path relative to the root. */
  relativePath: string;
  absolutePath: string;
  size: number;
  mode: number;
  mtimeNs: string;
  linkTarget: string | null;
}

/** Something the walk skipped, and why. */
export interface WalkProblem {
  path: string;
  code: string;
  message: string;
}

function problemOf(relativePath: string, error: unknown): WalkProblem {
  const failure = error as NodeJS.ErrnoException;
  return { path: relativePath, code: failure.code ?? 'EIO', message: failure.message };
}

/** Yields entries depth-first, sorted by name; problems go to `onProblem`. */
export async function* walkTree(root: string, onProblem: (problem: WalkProblem) => void): AsyncGenerator<WalkEntry> {
  const stack: string[] = [''];
  while (stack.length > 0) {
    const relativeDirectory = stack.pop()!;
    const absoluteDirectory = relativeDirectory ? path.join(root, relativeDirectory) : root;
    let names: string[];
    try {
      names = fs.readdirSync(absoluteDirectory).sort();
    } catch (error) {
      onProblem(problemOf(relativeDirectory || '.', error));
      continue;
    }
    const stats = names.map((name) => {
      try {
        return fs.lstatSync(path.join(absoluteDirectory, name), { bigint: true });
      } catch (error) {
        return error as Error; // reported below as a problem of this entry
      }
    });
    const subdirectories: string[] = [];
    for (let index = 0; index < names.length; index += 1) {
      const relativePath = relativeDirectory ? `${relativeDirectory}/${names[index]}` : names[index]!;
      const absolutePath = path.join(absoluteDirectory, names[index]!);
      const stat = stats[index]!;
      if (stat instanceof Error) {
        onProblem(problemOf(relativePath, stat));
        continue;
      }
      if (stat.isDirectory()) subdirectories.push(relativePath);
      else if (stat.isFile() || stat.isSymbolicLink()) {
        let linkTarget: string | null = null;
        if (stat.isSymbolicLink()) {
          try {
            linkTarget = fs.readlinkSync(absolutePath);
          } catch (error) {
            onProblem(problemOf(relativePath, error));
            continue;
          }
        }
        yield {
          kind: stat.isFile() ? 'file' : 'symlink',
          relativePath,
          absolutePath,
          size: stat.isFile() ? Number(stat.size) : 0,
          mode: Number(stat.mode & 0o7777n),
          mtimeNs: stat.mtimeNs.toString(),
          linkTarget,
        };
      } else {
        onProblem({ path: relativePath, code: 'ESPECIAL', message: 'not a regular file, directory or symbolic link; skipped' });
      }
    }
    for (let index = subdirectories.length - 1; index >= 0; index -= 1) stack.push(subdirectories[index]!);
  }
}
