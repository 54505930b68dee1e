/**
 * FastCDC chunking: boundaries follow content (an inserted byte disturbs only the first
 * chunks), sizes stay within min/max, edge sizes, and the streaming file processor cuts
 * exactly like the in-memory chunker across its read-block boundaries.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.js';
import { AtomIndex, indexCapacity } from '../../src/tools/dedup/atom-index.js';
import { AtomStore } from '../../src/tools/dedup/atom-store.js';
import { ChunkParameters, chunkLengths, DEFAULT_CHUNK_SIZES } from '../../src/tools/dedup/fastcdc.js';
import { FileProcessor } from '../../src/tools/dedup/file-processor.js';
import { WasmChunker } from '../../src/tools/dedup/gear-wasm.js';
import { PackWriter } from '../../src/tools/dedup/pack-writer.js';
import { Batcher } from '../../src/tools/dedup/worker-pool.js';

const parameters = new ChunkParameters(DEFAULT_CHUNK_SIZES);

function chunkIds(data: Buffer, chunkParameters = parameters): string[] {
  const ids: string[] = [];
  let position = 0;
  for (const length of chunkLengths(data, chunkParameters)) {
    ids.push(
      createHash('sha256')
        .update(data.subarray(position, position + length))
        .digest('hex'),
    );
    position += length;
  }
  return ids;
}

describe('FastCDC chunking', () => {
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-fastcdc-'));
  after(() => fs.rmSync(temporary, { recursive: true, force: true }));

  it('keeps all but the first one or two chunk ids when a byte is inserted at the front', () => {
    const original = randomBytes(2 * 1024 * 1024);
    const shifted = Buffer.concat([Buffer.of(0x42), original]);
    const before = chunkIds(original);
    const afterInsert = chunkIds(shifted);
    assert.ok(before.length > 50, `expected many chunks, got ${before.length}`);
    const known = new Set(before);
    const changed = afterInsert.filter((id) => !known.has(id)).length;
    assert.ok(changed <= 2, `${changed} chunks changed of ${afterInsert.length}`);
    // The same holds for an insertion in the middle: only the chunks around it change.
    const middle = Buffer.concat([original.subarray(0, 1_000_000), Buffer.from('edit'), original.subarray(1_000_000)]);
    const changedMiddle = chunkIds(middle).filter((id) => !known.has(id)).length;
    assert.ok(changedMiddle <= 3, `${changedMiddle} chunks changed by a middle insertion`);
  });

  it('respects min, avg and max on random and on uniform data', () => {
    for (const sizes of [DEFAULT_CHUNK_SIZES, { min: 1024, avg: 4096, max: 16384 }]) {
      const chunkParameters = new ChunkParameters(sizes);
      const random = randomBytes(4 * 1024 * 1024);
      const lengths = chunkLengths(random, chunkParameters);
      assert.equal(
        lengths.reduce((sum, length) => sum + length, 0),
        random.length,
      );
      lengths.slice(0, -1).forEach((length) => assert.ok(length >= sizes.min && length <= sizes.max, `chunk of ${length}`));
      assert.ok(lengths.at(-1)! <= sizes.max);
      const mean = random.length / lengths.length;
      assert.ok(mean > sizes.avg / 2 && mean < sizes.avg * 2, `mean ${mean} for avg ${sizes.avg}`);
      const zeros = chunkLengths(Buffer.alloc(sizes.max * 3 + 5), chunkParameters);
      zeros.slice(0, -1).forEach((length) => assert.ok(length <= sizes.max && length >= sizes.min));
    }
  });

  it('handles empty and one-byte inputs', () => {
    assert.deepEqual(chunkLengths(Buffer.alloc(0), parameters), []);
    assert.deepEqual(chunkLengths(Buffer.of(7), parameters), [1]);
    assert.deepEqual(chunkLengths(Buffer.alloc(DEFAULT_CHUNK_SIZES.min), parameters), [DEFAULT_CHUNK_SIZES.min]);
  });

  it('rejects bad sizes with a clear error', () => {
    assert.throws(() => new ChunkParameters({ min: 8192, avg: 4096, max: 16384 }), ValidationError);
    assert.throws(() => new ChunkParameters({ min: 1024, avg: 5000, max: 16384 }), /power of two/);
    assert.throws(() => new ChunkParameters({ min: 0, avg: 4096, max: 16384 }), ValidationError);
  });

  it('streams files in blocks and cuts exactly like the in-memory chunker', () => {
    const store = new AtomStore({ directory: path.join(temporary, 'store'), fsync: false });
    store.initialise();
    const packs = new PackWriter({ directory: store.directory, compression: 'none', fsync: false });
    const processor = new FileProcessor(new AtomIndex(indexCapacity(0)), 0, packs, parameters);
    const data = Buffer.concat([randomBytes(5 * 1024 * 1024), Buffer.alloc(300_000), randomBytes(4 * 1024 * 1024 + 123)]);
    const file = path.join(temporary, 'big.bin');
    fs.writeFileSync(file, data);
    const processed = processor.process(file);
    assert.equal(processed.size, data.length);
    assert.equal(processed.hash, createHash('sha256').update(data).digest('hex'));
    assert.deepEqual(
      processed.atoms.map((atom) => atom.hash),
      chunkIds(data),
    );
    packs.sync();
    const locations = new Map(processor.drainWritten().map((atom) => [atom.hash, atom]));
    assert.equal(locations.size, processed.newAtoms);
    assert.equal(Buffer.concat(processed.atoms.map((atom) => store.read(locations.get(atom.hash)!))).equals(data), true);
    // Processing it again writes nothing new.
    assert.equal(processor.process(file).newAtoms, 0);
    assert.deepEqual(processor.drainWritten(), []);
    const empty = path.join(temporary, 'empty');
    fs.writeFileSync(empty, '');
    assert.deepEqual(processor.process(empty).atoms, []);
    assert.throws(() => processor.process(path.join(temporary, 'vanished')), /ENOENT/);
    store.close();
  });

  it('compresses an atom only when it pays, and reads it back', () => {
    const store = new AtomStore({ directory: path.join(temporary, 'compressed'), compression: 'deflate', fsync: false });
    store.initialise();
    const packs = new PackWriter({ directory: store.directory, compression: 'deflate', fsync: true });
    const text = Buffer.from('the same line again and again\n'.repeat(1000));
    const random = randomBytes(20_000);
    const textAtom = packs.append(createHash('sha256').update(text).digest('hex'), text);
    const randomAtom = packs.append(createHash('sha256').update(random).digest('hex'), random);
    assert.ok(textAtom.storedSize < text.length / 5);
    assert.equal(randomAtom.storedSize, random.length + 1);
    packs.sync();
    assert.ok(store.read(textAtom).equals(text));
    assert.ok(store.read(randomAtom).equals(random));
    assert.throws(() => store.atomPath('../../etc/passwd'), ValidationError);
    assert.throws(() => store.packPath('../../etc/passwd'), ValidationError);
    store.close();
  });

  it('cuts in WebAssembly exactly where the JavaScript loop cuts, for every chunk size and edge length', () => {
    const text = Buffer.from('export const value = 42;\n'.repeat(20_000));
    for (const sizes of [DEFAULT_CHUNK_SIZES, { min: 64, avg: 256, max: 1024 }, { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 }]) {
      const chunkParameters = new ChunkParameters(sizes);
      const chunker = new WasmChunker(1024 * 1024, chunkParameters);
      for (const data of [
        randomBytes(1024 * 1024),
        text.subarray(0, 1024 * 1024),
        Buffer.alloc(1024 * 1024),
        Buffer.alloc(0),
        Buffer.from('a'),
        randomBytes(sizes.min),
        randomBytes(sizes.min + 1),
      ]) {
        data.copy(chunker.data);
        const lengths: number[] = [];
        for (let position = 0; position < data.length;) {
          const length = chunker.nextCut(position, data.length);
          lengths.push(length);
          position += length;
        }
        assert.deepEqual(lengths, chunkLengths(data, chunkParameters));
      }
    }
    assert.throws(() => new WasmChunker(16 * 1024 * 1024, parameters), RangeError);
  });

  it('batches work by count and bytes, a large file alone, order kept', () => {
    const batcher = new Batcher<number>();
    const batches: number[][] = [];
    for (let index = 0; index < 200; index += 1) {
      const full = batcher.add(index, index === 100 ? 50 * 1024 * 1024 : 10);
      if (full) batches.push(full);
    }
    batches.push(batcher.drain());
    assert.deepEqual(
      batches.flat(),
      Array.from({ length: 200 }, (_, index) => index),
    );
    assert.ok(batches.every((batch) => batch.length <= 64));
    assert.ok(batches.some((batch) => batch.length === 1 && batch[0] === 100));
    assert.deepEqual(batcher.drain(), []);
  });
});
