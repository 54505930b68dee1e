// Builds Vigie: generates the Prisma client (without the native schema engine, which cannot
// be downloaded on offline machines), compiles TypeScript to dist/ and copies static assets.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, env = {}) =>
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

export function generatePrismaClient() {
  const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
  if (!existsSync(cli)) {
    console.error('build: prisma CLI not installed; skipping client generation');
    return;
  }
  run([cli, 'generate'], { PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1' });
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
  if (!existsSync(path.join(root, 'src', 'generated', 'prisma', 'client.ts'))) generatePrismaClient();
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  run([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  const assets = path.join(root, 'src', 'server', 'public');
  if (existsSync(assets)) cpSync(assets, path.join(root, 'dist', 'server', 'public'), { recursive: true });
  // The browser console (src/console) bundled by esbuild into dist/console, served at `/`.
  await (await import('./bundle-console.mjs')).bundleConsole();
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  const now = new Date();
  if (existsSync(entry)) utimesSync(entry, now, now);
}
