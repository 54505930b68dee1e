#!/usr/bin/env node
// Entry point of the `vigie` command. Builds the TypeScript sources first when dist/ is
// missing or older than src/ (so `npm start` works right after a clone or an edit).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');

function newestSourceTime(directory) {
  let newest = 0;
  for (const item of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSourceTime(full));
    else if (/\.(ts|html|css)$/.test(item.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

const sources = path.join(root, 'src');
// A build in progress (`prepare` right after npm install, or another `vigie`): wait for it and
// use its output rather than starting a second build over it. (The image has no scripts/.)
const buildLock = path.join(root, 'scripts', 'build-lock.mjs');
if (existsSync(buildLock)) {
  const { waitForBuild } = await import(pathToFileURL(buildLock).href);
  waitForBuild(root, () => process.stderr.write('vigie: waiting for the build in progress…\n'));
}
if (existsSync(sources) && existsSync(path.join(root, 'node_modules', 'typescript'))) {
  // The web console bundle (dist/console) is part of the build too.
  const consoleBuilt = existsSync(path.join(root, 'dist', 'console', 'index.html'));
  const stale = !existsSync(entry) || !consoleBuilt || newestSourceTime(sources) > statSync(entry).mtimeMs;
  if (stale) {
    process.stderr.write('vigie: building (first run or sources changed)…\n');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  }
}

// A bare `vigie` or `vigie start` skips the other commands' modules (start-command.ts).
const startEntry = path.join(root, 'dist', 'cli', 'start-command.js');
const start = existsSync(startEntry) ? await import(pathToFileURL(startEntry).href) : undefined;
if (start?.isBareStart(process.argv.slice(2))) {
  await start.runStartCommand();
} else {
  const { runCli } = await import(pathToFileURL(entry).href);
  await runCli(process.argv);
}
