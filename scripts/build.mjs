// Builds Vigie: generates the Prisma client (without the native schema engine, which cannot
// be downloaded on offline machines), compiles TypeScript to dist/ and copies static assets.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { acquireBuildLock } from './build-lock.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, env = {}) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

export function generatePrismaClient() {
  const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
  if (!existsSync(cli)) {
    console.error('build: prisma CLI not installed; skipping client generation');
    return;
  }
  run([cli, 'generate'], {
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  });
}

// `prepare` after `npm install`/`npm ci`: a ready-to-run build, so `npm start` and the first
// `npx vigie` start at once. Skipped where there is nothing to compile (the image's install
// layer before src/ is copied, or a tree without the TypeScript compiler).
const nothingToBuild =
  process.argv.includes('--if-sources') &&
  (!existsSync(path.join(root, 'src')) || !existsSync(path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')));

if (process.argv.includes('--generate-only')) {
  generatePrismaClient();
} else if (nothingToBuild) {
  console.error('build: no sources or no TypeScript compiler here; nothing to build');
} else {
  // One build at a time (see build-lock.mjs), into a private folder swapped in whole: dist/ is
  // never half-written nor missing while a build runs, so bin/vigie.js never starts a second one.
  const release = acquireBuildLock(root, () => console.error('build: another build of this tree is running; waiting for it'));
  const dist = path.join(root, 'dist');
  const staging = path.join(root, `.dist-build-${process.pid}`);
  const previous = path.join(root, `.dist-old-${process.pid}`);
  try {
    if (!existsSync(path.join(root, 'src', 'generated', 'prisma', 'client.ts'))) generatePrismaClient();
    rmSync(staging, { recursive: true, force: true });
    run([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', staging]);
    const assets = path.join(root, 'src', 'server', 'public');
    if (existsSync(assets)) cpSync(assets, path.join(staging, 'server', 'public'), { recursive: true });
    // The start-up path bundled by esbuild over the compiled tree (bundle-server.mjs, issue 17).
    await (await import('./bundle-server.mjs')).bundleServer(staging);
    // The browser console (src/console) bundled by esbuild into dist/console, served at `/`.
    await (await import('./bundle-console.mjs')).bundleConsole(path.join(staging, 'console'));
    const entry = path.join(staging, 'cli', 'main.js');
    const now = new Date();
    if (existsSync(entry)) utimesSync(entry, now, now);
    // Two renames: a reader sees the old build or the new one (dist/ is absent only between them).
    if (existsSync(dist)) renameSync(dist, previous);
    renameSync(staging, dist);
    rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
    release();
  }
}
