/**
 * What each unavoidable stage of a dedup ingest costs on one core, over the same files as the
 * ceiling, so bench:dedup can tell how fast any ingest could be on this machine: the floors of
 * issue #24 compare an ingest with the ceiling (read + SHA-256 on every core), and an ingest
 * must also cut content-defined chunks (what finds shifted copies) and hash each chunk; a cold
 * one must also write the new chunks. Each stage is timed alone in this thread (CPU time of the
 * process, which is this thread while the bench's workers are idle), with the store's own
 * WebAssembly chunker, so the figures are lower bounds of the real pipeline: no walk, no
 * database, no messages between threads, perfect sharing of the cores.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChunkParameters, type ChunkSizes } from '../../src/tools/dedup/fastcdc.js';
import { WasmChunker } from '../../src/tools/dedup/gear-wasm.js';

/** One-core seconds of each stage over the whole file list. */
export interface StageCosts {
  /** open + read into a reused buffer + close. */
  read: number;
  /** read + SHA-256 of each whole file: one core's share of the ceiling. */
  readSha256: number;
  /** read + FastCDC cut points only. */
  readCdc: number;
  /** read + FastCDC + SHA-256 of every chunk: the least a content-defined ingest computes. */
  readCdcSha256: number;
  /** The same, plus appending each chunk not seen before to a pack file (no fsync): the least a cold ingest does. */
  readCdcSha256Write: number;
}

const READ_BLOCK = 4 * 1024 * 1024;

/** Process CPU seconds spent by `work` (user + system). */
function cpuSeconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

type Stage = 'read' | 'sha' | 'cdc' | 'cdcSha' | 'cdcShaWrite';

/** Runs one stage over every file; `pack` receives new chunks in the write stage. */
function pass(files: string[], stage: Stage, chunker: WasmChunker, parameters: ChunkParameters, pack: string): void {
  const buffer = chunker.data;
  const seen = new Set<string>();
  const packDescriptor = stage === 'cdcShaWrite' ? fs.openSync(pack, 'w') : -1;
  const pending = Buffer.allocUnsafe(1024 * 1024);
  let pendingLength = 0;
  const append = (chunk: Buffer) => {
    if (pendingLength + chunk.length > pending.length) {
      fs.writeSync(packDescriptor, pending, 0, pendingLength);
      pendingLength = 0;
    }
    if (chunk.length > pending.length) fs.writeSync(packDescriptor, chunk);
    else pendingLength += chunk.copy(pending, pendingLength);
  };
  try {
    for (const file of files) {
      const descriptor = fs.openSync(file, 'r');
      const whole = stage === 'sha' ? createHash('sha256') : null;
      let filled = 0;
      let endOfFile = false;
      while (!endOfFile || filled > 0) {
        while (!endOfFile && filled < READ_BLOCK + parameters.max) {
          const read = fs.readSync(descriptor, buffer, filled, READ_BLOCK + parameters.max - filled, null);
          if (read === 0) endOfFile = true;
          filled += read;
        }
        if (stage === 'read' || stage === 'sha') {
          whole?.update(buffer.subarray(0, filled));
          filled = 0;
          continue;
        }
        let position = 0;
        while (position < filled && (endOfFile || filled - position >= parameters.max)) {
          const length = chunker.nextCut(position, filled);
          if (stage !== 'cdc') {
            const chunk = buffer.subarray(position, position + length);
            const hash = createHash('sha256').update(chunk).digest('hex');
            if (stage === 'cdcShaWrite' && !seen.has(hash)) {
              seen.add(hash);
              append(chunk);
            }
          }
          position += length;
        }
        buffer.copyWithin(0, position, filled);
        filled -= position;
        if (endOfFile) break;
      }
      whole?.digest();
      fs.closeSync(descriptor);
    }
    if (packDescriptor >= 0 && pendingLength > 0) fs.writeSync(packDescriptor, pending, 0, pendingLength);
  } finally {
    if (packDescriptor >= 0) {
      fs.closeSync(packDescriptor);
      fs.rmSync(pack, { force: true });
    }
  }
}

/** Times every stage once over `files` (absolute paths), writing its scratch pack under `scratch`. */
export function measureStageCosts(files: string[], sizes: ChunkSizes, scratch: string): StageCosts {
  const parameters = new ChunkParameters(sizes);
  const chunker = new WasmChunker(READ_BLOCK + parameters.max, parameters);
  const pack = path.join(scratch, 'stage-costs.pack');
  const time = (stage: Stage) => cpuSeconds(() => pass(files, stage, chunker, parameters, pack));
  time('cdc'); // JIT and page cache, untimed
  return {
    read: time('read'),
    readSha256: time('sha'),
    readCdc: time('cdc'),
    readCdcSha256: time('cdcSha'),
    readCdcSha256Write: time('cdcShaWrite'),
  };
}
