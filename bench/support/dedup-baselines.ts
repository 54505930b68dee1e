/**
 * The same-run references of bench:dedup. The ceiling is raw read + SHA-256 of every file on
 * all cores, written to be as fast as Node allows: worker threads started (and warmed) before
 * the clock starts, files handed out through one shared atomic counter, each worker reading
 * into one reused 8 MiB buffer with open/read/close (no per-file allocation) and hashing it.
 * `writeBound` is the restore bound: the same workers creating and writing the same files, the
 * least a restore must do (on this machine's root filesystem, creating a file costs far more
 * than reading one, and how much more depends on recent deletions: see performance.md). The baseline is the fixed-chunk method the store improves on (Panini-FS: fixed 64 KiB
 * chunks, SHA-256, one thread). Also builds the small-files tree and the chunk-size sweep.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChunkParameters, nextCut } from '../../src/tools/dedup/fastcdc.js';

const CEILING_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
const { files, rootLength } = workerData;
parentPort.on('message', ({ counter, destination }) => {
  const next = new Int32Array(counter);
  let bytes = 0;
  for (let index = Atomics.add(next, 0, 1); index < files.length; index = Atomics.add(next, 0, 1)) {
    const descriptor = fs.openSync(files[index], 'r');
    if (destination) {
      // The least a restore does per file: create it, write its bytes, set mode and mtime.
      const target = fs.openSync(path.join(destination, files[index].slice(rootLength)), 'wx', 0o600);
      for (let read = fs.readSync(descriptor, buffer, 0, buffer.length, null); read > 0; read = fs.readSync(descriptor, buffer, 0, buffer.length, null)) {
        fs.writeSync(target, buffer, 0, read);
        bytes += read;
      }
      fs.fchmodSync(target, 0o644);
      fs.futimesSync(target, 1, 1);
      fs.closeSync(target);
      fs.closeSync(descriptor);
      continue;
    }
    const hash = createHash('sha256');
    for (let read = fs.readSync(descriptor, buffer, 0, buffer.length, null); read > 0; read = fs.readSync(descriptor, buffer, 0, buffer.length, null)) {
      hash.update(read === buffer.length ? buffer : buffer.subarray(0, read));
      bytes += read;
    }
    fs.closeSync(descriptor);
    hash.digest();
  }
  parentPort.postMessage(bytes);
});
parentPort.postMessage('ready');
`;

/** Worker threads kept alive across rounds, so the clock never includes their start-up. */
export class CeilingPool {
  private constructor(
    private readonly workers: Worker[],
    private readonly rootLength: number,
    private readonly files: string[],
  ) {}

  /** Starts `size` workers over `files` (absolute paths under `root`) and waits until each is ready. */
  static async start(size: number, root: string, files: string[]): Promise<CeilingPool> {
    const rootLength = root.length + 1;
    const workers = Array.from({ length: size }, () => new Worker(CEILING_WORKER, { eval: true, workerData: { files, rootLength } }));
    await Promise.all(workers.map((worker) => new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject))));
    const pool = new CeilingPool(workers, rootLength, files);
    await pool.run(1); // first pass: JIT warm-up and page cache
    return pool;
  }

  /**
   * The fastest of `passes` timed passes over every file (raw read + SHA-256): a ceiling is the
   * best the machine does, and on a tree read in tens of milliseconds one pass can lose to a
   * scheduling hiccup. Returns seconds and bytes read.
   */
  async run(passes = 3): Promise<{ seconds: number; bytes: number }> {
    let best = await this.pass(null);
    for (let index = 1; index < passes; index += 1) {
      const next = await this.pass(null);
      if (next.seconds < best.seconds) best = next;
    }
    return best;
  }

  /**
   * The restore bound: the same workers copy every file into a new tree under `destination`
   * (directories made before the clock starts), with only the calls a restore cannot skip:
   * create, write, chmod, utimes, close. No hashing, no temporary name, no database.
   */
  async writeBound(destination: string): Promise<{ seconds: number; bytes: number }> {
    for (const directory of new Set(this.files.map((file) => path.dirname(file.slice(this.rootLength))))) {
      fs.mkdirSync(path.join(destination, directory), { recursive: true });
    }
    return this.pass(destination); // the caller keeps the tree until the end (see setAside in dedup-bench.ts)
  }

  private async pass(destination: string | null): Promise<{ seconds: number; bytes: number }> {
    const counter = new SharedArrayBuffer(4);
    const started = performance.now();
    const counts = await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<number>((resolve, reject) => {
            // Each pass removes its own error listener, so rounds do not pile them up on the worker.
            const fail = (error: Error) => reject(error);
            worker.once('message', (bytes: number) => {
              worker.off('error', fail);
              resolve(bytes);
            });
            worker.once('error', fail);
            worker.postMessage({ counter, destination });
          }),
      ),
    );
    return { seconds: (performance.now() - started) / 1000, bytes: counts.reduce((sum, count) => sum + count, 0) };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Panini-FS's method: fixed 64 KiB chunks, SHA-256, one thread; seconds and dedup ratio. */
export function fixedChunkPass(files: string[]): { seconds: number; dedupRatio: number } {
  const started = performance.now();
  const unique = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const data = fs.readFileSync(file);
    total += data.length;
    for (let offset = 0; offset < data.length; offset += 65536) {
      const chunk = data.subarray(offset, offset + 65536);
      unique.set(createHash('sha256').update(chunk).digest('hex'), chunk.length);
    }
  }
  const uniqueBytes = [...unique.values()].reduce((sum, size) => sum + size, 0);
  return { seconds: (performance.now() - started) / 1000, dedupRatio: total / Math.max(uniqueBytes, 1) };
}

/** Deterministic pseudo-random generator (xorshift32) so the small-files tree is the same every run. */
function generator(seed: number): () => number {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const WORDS =
  'const let function return import export from await async if else for while class new this null true false value data file path size hash atom chunk store index'.split(
    ' ',
  );

/**
 * `count` files of 1 B to 4 KiB of source-like text in 100 directories, one in ten a copy of
 * an earlier file (so both methods find some duplication). Returns the tree's root.
 */
export function buildSmallFilesTree(root: string, count: number): string {
  const random = generator(0x5eed);
  const written: Buffer[] = [];
  for (let index = 0; index < count; index += 1) {
    const directory = path.join(root, `d${String(index % 100).padStart(3, '0')}`);
    if (index < 100) fs.mkdirSync(directory, { recursive: true });
    let content: Buffer;
    if (index > 0 && random() < 0.1) content = written[Math.floor(random() * written.length)]!;
    else {
      const size = 1 + Math.floor(random() * 4095);
      let text = `// file ${index}\n`;
      while (text.length < size) text += WORDS[Math.floor(random() * WORDS.length)] + (random() < 0.12 ? ';\n' : ' ');
      content = Buffer.from(text.slice(0, size));
    }
    written.push(content);
    fs.writeFileSync(path.join(directory, `f${index}.js`), content);
  }
  return root;
}

/** FastCDC dedup ratio and atom count for a few averages, on a bounded sample (how the defaults were chosen). */
export function chunkSizeSweep(files: string[]): Record<string, { dedupRatio: number; meanChunkKiB: number; atoms: number }> {
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  const sample: Buffer[] = [];
  let sampled = 0;
  for (let index = 0; index < files.length && sampled < 300e6; index += 2) {
    const data = fs.readFileSync(files[index]!);
    sample.push(data);
    sampled += data.length;
  }
  const result: Record<string, { dedupRatio: number; meanChunkKiB: number; atoms: number }> = {};
  for (const average of [4096, 8192, 16384, 32768, 65536]) {
    const parameters = new ChunkParameters({ min: average / 4, avg: average, max: average * 4 });
    const unique = new Map<string, number>();
    let chunks = 0;
    for (const data of sample) {
      for (let position = 0; position < data.length;) {
        const length = nextCut(data, position, data.length, parameters);
        unique.set(
          createHash('sha256')
            .update(data.subarray(position, position + length))
            .digest('hex'),
          length,
        );
        position += length;
        chunks += 1;
      }
    }
    const uniqueBytes = [...unique.values()].reduce((sum, size) => sum + size, 0);
    result[`avg${average / 1024}k`] = {
      dedupRatio: round(sampled / uniqueBytes, 3),
      meanChunkKiB: round(sampled / chunks / 1024, 1),
      atoms: unique.size,
    };
  }
  return result;
}
