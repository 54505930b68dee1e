/**
 * The FastCDC cut-point loop as a tiny WebAssembly function, assembled here from its opcodes
 * (no toolchain, no binary blob): V8's JavaScript loop ran at about half the speed of this
 * one, and the gear loop is what content-defined chunking pays beyond raw read + SHA-256.
 * The module owns one fixed memory (never grown, so views of it stay valid): the gear table
 * at offset 0, then a data area that ingest reads files into directly (no copy).
 */
import { GEAR, type ChunkParameters } from './fastcdc.js';

/** Bytes before the data area (the 256 × 4-byte gear table). */
const DATA_OFFSET = 1024;
const PAGE = 65536;

// Opcodes used below (WebAssembly 1.0).
const BLOCK = 0x02,
  LOOP = 0x03,
  IF = 0x04,
  END = 0x0b,
  BR_IF = 0x0d,
  RETURN = 0x0f,
  VOID = 0x40;
const LOCAL_GET = 0x20,
  LOCAL_TEE = 0x22,
  I32_LOAD = 0x28,
  I32_LOAD8_U = 0x2d,
  I32_CONST = 0x41;
const I32_EQZ = 0x45,
  I32_LT_U = 0x49,
  I32_GE_U = 0x4f,
  I32_ADD = 0x6a,
  I32_AND = 0x71,
  I32_SHL = 0x74;
const I32 = 0x7f;

/** Parameters: 0 index, 1 normalEnd, 2 limitEnd, 3 maskSmall, 4 maskLarge; local 5 fingerprint. */
function scanLoop(end: number, mask: number): number[] {
  return [
    BLOCK,
    VOID,
    LOCAL_GET,
    0,
    LOCAL_GET,
    end,
    I32_GE_U,
    BR_IF,
    0,
    LOOP,
    VOID,
    // fingerprint = (fingerprint << 1) + gear[data[index]]
    LOCAL_GET,
    5,
    I32_CONST,
    1,
    I32_SHL,
    LOCAL_GET,
    0,
    I32_LOAD8_U,
    0,
    0,
    I32_CONST,
    2,
    I32_SHL,
    I32_LOAD,
    2,
    0,
    I32_ADD,
    LOCAL_TEE,
    5,
    // if ((fingerprint & mask) === 0) return index + 1
    LOCAL_GET,
    mask,
    I32_AND,
    I32_EQZ,
    IF,
    VOID,
    LOCAL_GET,
    0,
    I32_CONST,
    1,
    I32_ADD,
    RETURN,
    END,
    // while (++index < end)
    LOCAL_GET,
    0,
    I32_CONST,
    1,
    I32_ADD,
    LOCAL_TEE,
    0,
    LOCAL_GET,
    end,
    I32_LT_U,
    BR_IF,
    0,
    END,
    END,
  ];
}

function section(id: number, content: number[]): number[] {
  if (content.length > 127) return [id, 0x80 | (content.length & 0x7f), content.length >> 7, ...content];
  return [id, content.length, ...content];
}

function assemble(pages: number): Uint8Array<ArrayBuffer> {
  const body = [1, 1, I32, ...scanLoop(1, 3), ...scanLoop(2, 4), LOCAL_GET, 2, END];
  const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, pages]),
    ...section(7, [2, 3, ...ascii('cut'), 0x00, 0, 6, ...ascii('memory'), 0x02, 0]),
    ...section(10, [1, ...(body.length > 127 ? [0x80 | (body.length & 0x7f), body.length >> 7] : [body.length]), ...body]),
  ]);
}

/** A chunker whose data area is `capacity` bytes of WebAssembly memory. */
export class WasmChunker {
  /** Where to put the bytes to chunk: a view of the module's memory. */
  readonly data: Buffer;
  private readonly cut: (index: number, normalEnd: number, limitEnd: number, maskSmall: number, maskLarge: number) => number;

  constructor(
    capacity: number,
    private readonly parameters: ChunkParameters,
  ) {
    const pages = Math.ceil((DATA_OFFSET + capacity) / PAGE);
    if (pages > 127) throw new RangeError(`wasm chunker capacity too large: ${capacity}`);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble(pages)));
    const memory = instance.exports.memory as WebAssembly.Memory;
    new Int32Array(memory.buffer, 0, 256).set(GEAR);
    this.data = Buffer.from(memory.buffer, DATA_OFFSET, capacity);
    this.cut = instance.exports.cut as WasmChunker['cut'];
  }

  /** Same contract as fastcdc.nextCut, over `data[start, end)`. */
  nextCut(start: number, end: number): number {
    const { min, max, avg, maskSmall, maskLarge } = this.parameters;
    const available = end - start;
    if (available <= min) return available;
    const limit = Math.min(available, max);
    const base = DATA_OFFSET + start;
    return this.cut(base + min, base + Math.min(limit, avg), base + limit, maskSmall, maskLarge) - base;
  }
}
