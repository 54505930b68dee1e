/**
 * The only way the network toolset starts a process: a fixed set of binaries, execFile (no
 * shell), every argument matched against a conservative pattern, a timeout and the caller's
 * abort signal. Output is parsed by the check modules, never interpolated anywhere.
 */
import { execFile } from 'node:child_process';
import { ValidationError } from '../../errors.js';
import { BinaryNotFoundError, binaryDirs, childPath, resolveBinary } from '../system-binaries.js';

/** Binaries the toolset may run. */
export type NetworkBinary = 'ping' | 'fping' | 'tracepath' | 'ip';

const SAFE_ARGUMENT = /^[A-Za-z0-9._/:=,-]{1,64}$/;

/** What a finished command gave back (non-zero exits are results, not exceptions). */
export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Runs a command; injectable so engines can be driven through a namespace prefix or a fake. */
export type CommandRunner = (
  binary: NetworkBinary,
  args: string[],
  options: { timeoutMs: number; signal?: AbortSignal },
) => Promise<CommandOutput>;

/** Throws before anything runs when an argument is not in the safe alphabet. */
export function assertSafeArguments(args: string[]): void {
  for (const argument of args) {
    if (!SAFE_ARGUMENT.test(argument))
      throw new ValidationError(`Refused to run: unsafe argument ${JSON.stringify(argument.slice(0, 40))}`);
  }
}

/**
 * Runs binaries directly with execFile, by absolute path from the system directories
 * (src/tools/system-binaries.ts, never PATH); `prefix` (e.g. `ip netns exec NS`) is for tests
 * and benchmarks only.
 */
export function createCommandRunner(prefix: string[] = [], dirs: readonly string[] = binaryDirs()): CommandRunner {
  return (binary, args, { timeoutMs, signal }) => {
    assertSafeArguments(args);
    let resolved: string[];
    try {
      resolved =
        prefix.length > 0
          ? [resolveBinary(prefix[0]!, dirs), ...prefix.slice(1), resolveBinary(binary, dirs)]
          : [resolveBinary(binary, dirs)];
    } catch (error) {
      if (error instanceof BinaryNotFoundError) return Promise.reject(new Error(`${binary} is not installed`, { cause: error }));
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const [file, ...argv] = [...resolved, ...args];
    const started = performance.now();
    return new Promise((resolve, reject) => {
      execFile(
        file!,
        argv,
        {
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          signal,
          maxBuffer: 4 * 1024 * 1024,
          env: { PATH: childPath(dirs), LANG: 'C', LC_ALL: 'C' },
        },
        (error, stdout, stderr) => {
          const durationMs = performance.now() - started;
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new Error(`${binary} is not installed`));
            return;
          }
          if (error && error.name === 'AbortError') {
            reject(error);
            return;
          }
          const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ exitCode, stdout: String(stdout), stderr: String(stderr), timedOut: Boolean(error?.killed), durationMs });
        },
      );
    });
  };
}

/** Runs `work` over `items` with at most `limit` in flight, keeping input order in the result. */
export async function mapWithConcurrency<Item, Result>(
  items: Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}
