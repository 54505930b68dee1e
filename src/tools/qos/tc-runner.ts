/**
 * The only place QoS code starts processes: `tc` and `ip` through execFile with an argv
 * whose every element is checked, never a shell string. An optional network namespace
 * (tc -n / ip -n) lets labs and tests shape traffic away from the host's interfaces.
 */
import { execFile } from 'node:child_process';
import { AppError } from '../../errors.js';
import { binaryDirs, childPath, resolveBinary } from '../system-binaries.js';

/** Characters an argument may hold: no shell metacharacters, quotes or newlines. */
const SAFE_ARGUMENT = /^[A-Za-z0-9_.:/,+=-][A-Za-z0-9_.:/,+= -]*$/;

/** A tc or ip invocation failed; stderr is the kernel's reason. */
export class TcCommandError extends AppError {
  constructor(
    readonly argv: string[],
    readonly stderr: string,
  ) {
    super('qos_command_failed', 500, `${argv.join(' ')} failed: ${stderr.trim().split('\n')[0] ?? 'unknown error'}`);
  }
}

/** Refused before running: an argument we would not pass to tc. */
export class UnsafeArgumentError extends AppError {
  constructor(argument: string) {
    super('qos_unsafe_argument', 400, `Refused argument ${JSON.stringify(argument)}: only letters, digits and _ . : / , + = - are allowed`);
  }
}

/** Runs tc and ip; injected so tests and the bench can count or observe calls. */
export interface CommandRunner {
  /** The namespace commands run in, if any. */
  readonly namespace: string | undefined;
  run(binary: 'tc' | 'ip', args: string[], options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<string>;
}

/** Checks every argument; throws UnsafeArgumentError on the first bad one. */
export function assertSafeArguments(args: readonly string[]): void {
  for (const argument of args) if (!SAFE_ARGUMENT.test(argument) || argument.length > 4096) throw new UnsafeArgumentError(argument);
}

/** Counts of processes started, for tests and the benchmark. */
export interface RunnerStatistics {
  processes: number;
}

/** Creates the execFile-backed runner, optionally inside a network namespace. */
export function createCommandRunner(
  options: { namespace?: string | undefined; statistics?: RunnerStatistics; binaryDirs?: readonly string[] } = {},
): CommandRunner {
  const dirs = options.binaryDirs ?? binaryDirs();
  const namespace = options.namespace;
  if (namespace !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(namespace)) throw new UnsafeArgumentError(namespace);
  return {
    namespace,
    async run(binary, args, runOptions = {}) {
      assertSafeArguments(args);
      const argv = namespace ? ['-n', namespace, ...args] : args;
      if (options.statistics) options.statistics.processes += 1;
      // By absolute path from the system directories, never PATH (src/tools/system-binaries.ts).
      let file: string;
      try {
        file = resolveBinary(binary, dirs);
      } catch (error) {
        throw new TcCommandError([binary, ...argv], (error as Error).message);
      }
      return new Promise((resolve, reject) => {
        execFile(
          file,
          argv,
          {
            timeout: runOptions.timeoutMs ?? 30_000,
            maxBuffer: 64 * 1024 * 1024,
            signal: runOptions.signal,
            env: { PATH: childPath(dirs), LC_ALL: 'C' },
          },
          (error, stdout, stderr) => {
            if (error) reject(new TcCommandError([binary, ...argv], String(stderr || error.message)));
            else resolve(String(stdout));
          },
        );
      });
    },
  };
}
