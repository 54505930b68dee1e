/**
 * Expands the CLI's `<file|dir|glob>` arguments into indexable files: directories
 * recursively (skipping hidden folders and node_modules), globs with `*`, `**` and `?`.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { contentTypeForFile } from './document-parsers.js';

const SKIPPED = new Set(['node_modules', '.git', 'dist', '.cache']);

async function walk(directory: string, found: string[]): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) await walk(full, found);
    else if (entry.isFile() && contentTypeForFile(full)) found.push(full);
  }
}

/** Converts a glob to a regular expression over absolute paths. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      pattern += '.*';
      index += glob[index + 2] === '/' ? 2 : 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Files to ingest, in a stable order, and arguments that matched nothing. */
export async function expandPaths(inputs: string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const input of inputs) {
    const absolute = path.resolve(input);
    if (/[*?]/.test(input)) {
      const base = absolute.slice(0, absolute.search(/[*?]/)).replace(/[^/]*$/, '') || '/';
      const matcher = globToRegExp(absolute);
      const found: string[] = [];
      await walk(base, found).catch(() => undefined);
      const matched = found.filter((file) => matcher.test(file));
      if (matched.length === 0) unmatched.push(input);
      matched.forEach((file) => files.add(file));
      continue;
    }
    const info = await stat(absolute).catch(() => null);
    if (!info) unmatched.push(input);
    else if (info.isDirectory()) {
      const found: string[] = [];
      await walk(absolute, found);
      found.forEach((file) => files.add(file));
    } else files.add(absolute);
  }
  return { files: [...files].sort(), unmatched };
}
