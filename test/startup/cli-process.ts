/**
 * Runs the real `vigie` command line in child processes for the start-up and CLI
 * end-to-end tests: one-shot commands (`runCli`) and a long-running server (`startCli`),
 * always with an explicit, minimal environment so the caller's DATABASE_URL, REDIS_URL or
 * ADMIN_TOKEN never leak into a test by accident.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIST_ENTRY = path.join(ROOT, 'dist', 'cli', 'main.js');
/** This process's private copy of dist/ (see snapshotDist). */
let snapshotEntry: string | undefined;

function newestSourceTime(directory: string): number {
  let newest = 0;
  for (const item of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSourceTime(full));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than src/, exactly as bin/vigie.js does, under a
 * file lock so that test files running in parallel never build over each other.
 */
export function ensureBuilt(): void {
  const stale = !existsSync(DIST_ENTRY) || newestSourceTime(path.join(ROOT, 'src')) > statSync(DIST_ENTRY).mtimeMs;
  if (!stale) return;
  const lock = path.join(os.tmpdir(), 'vigie-build.lock');
  try {
    execFileSync('flock', [lock, process.execPath, path.join(ROOT, 'bin', 'vigie.js'), '--version'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // No flock(1) on this machine: build without the lock.
      execFileSync(process.execPath, [path.join(ROOT, 'bin', 'vigie.js'), '--version'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
      return;
    }
    // tsc still emits on type errors elsewhere in the tree; only a missing entry is fatal.
    if (!existsSync(DIST_ENTRY)) throw error;
  }
}

/**
 * Builds if needed, then copies dist/ to a private folder beside it (same depth, so
 * node_modules and ../../prisma/migrations resolve the same): in a working tree shared with
 * other people, `npm start` or bin/vigie.js may wipe and rebuild dist/ in the middle of a
 * test. Removed by releaseCli() and at exit.
 */
export function prepareCli(): void {
  for (let attempt = 1; ; attempt += 1) {
    ensureBuilt();
    const directory = mkdtempSync(path.join(ROOT, '.startup-dist-'));
    try {
      cpSync(path.join(ROOT, 'dist'), directory, { recursive: true });
      if (!existsSync(path.join(directory, 'cli', 'main.js'))) throw new Error('dist/ changed while being copied');
      snapshotEntry = path.join(directory, 'cli', 'main.js');
      process.once('exit', releaseCli);
      return;
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      if (attempt >= 3) throw error;
    }
  }
}

/** Removes the private copy of dist/. */
export function releaseCli(): void {
  if (snapshotEntry) rmSync(path.dirname(path.dirname(snapshotEntry)), { recursive: true, force: true });
  snapshotEntry = undefined;
}

/**
 * Arguments that run the compiled CLI (the private copy) directly. bin/vigie.js rebuilds
 * dist/ whenever a source file is newer, which would race with other processes in a shared
 * working tree; the `--help` test still goes through bin/vigie.js itself.
 */
function cliArguments(args: string[]): string[] {
  if (!snapshotEntry) throw new Error('call prepareCli() in a before hook first');
  // A bare `vigie start` goes through start-command.js, as bin/vigie.js does (the bench measures that path).
  const startEntry = path.join(path.dirname(snapshotEntry), 'start-command.js');
  const loader =
    args.length === 1 && args[0] === 'start' && existsSync(startEntry)
      ? `const { runStartCommand } = await import(${JSON.stringify(pathToFileURL(startEntry).href)}); await runStartCommand();`
      : `const { runCli } = await import(${JSON.stringify(pathToFileURL(snapshotEntry).href)}); await runCli([process.execPath, 'vigie', ...process.argv.slice(1)]);`;
  return ['--input-type=module', '-e', loader, ...args];
}

/** A minimal environment: PATH and HOME plus the variables a test sets. */
export function cliEnvironment(variables: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', NODE_ENV: 'production', ...variables };
}

/** The outcome of a finished command. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`command did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `vigie <args>` to completion (compiled CLI; `viaBin` goes through bin/vigie.js). */
export function runCli(
  args: string[],
  variables: Record<string, string>,
  options: { viaBin?: boolean; timeoutMs?: number } = {},
): Promise<CliResult> {
  const argv = options.viaBin ? [path.join(ROOT, 'bin', 'vigie.js'), ...args] : cliArguments(args);
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: cliEnvironment(variables), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, options.timeoutMs ?? 60_000);
}

/** A `vigie start` process. */
export interface RunningCli {
  url: string;
  child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** Sends SIGTERM and waits for the exit. */
  stop(timeoutMs?: number): Promise<CliResult>;
}

/** Picks a free TCP port on 127.0.0.1 (start-up logs the port it was given). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** Starts `vigie start` and waits until /health answers 200 (bounded by timeoutMs). */
export async function startCli(variables: Record<string, string>, timeoutMs = 60_000, pollMs = 200): Promise<RunningCli> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, cliArguments(['start']), {
    cwd: ROOT,
    env: cliEnvironment({ HOST: '127.0.0.1', PORT: String(port), ...variables }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const finished = collect(child, timeoutMs + 60_000);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  let exited = false;
  finished.then(
    () => (exited = true),
    () => (exited = true),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`vigie start exited early:\n${text}`);
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vigie start did not serve /health within ${timeoutMs} ms:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return {
    url,
    child,
    output: () => text,
    async stop(stopTimeoutMs = 30_000) {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A temporary directory removed by the returned function. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** The admin token printed on the first start, if any. */
export function printedAdminToken(output: string): string | undefined {
  return /shown once, keep it safe\):\s+(\S+)/.exec(output)?.[1];
}
