/**
 * Model files on disk: checked before llama.cpp sees them, so a missing, truncated or
 * non-GGUF file gives one clear sentence instead of a native crash or a cryptic error, and
 * described (architecture, parameters, quantisation, context length, chat template) for
 * `vigie models info` and /api/models.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Llama } from 'node-llama-cpp';
import { llamaModule } from './llama-module.js';
import { AppError } from '../errors.js';

/** A model file that cannot be used, with what to do about it (422). */
export class ModelFileError extends AppError {
  constructor(message: string, details?: unknown) {
    super('model_file_invalid', 422, message, details);
  }
}

/** The 4 bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF';

/** What `vigie models info` shows. */
export interface ModelInfo {
  path: string;
  fileName: string;
  sizeBytes: number;
  ggufVersion: number;
  architecture: string;
  name: string | null;
  parameters: number;
  sizeLabel: string | null;
  quantisation: string;
  contextLength: number | null;
  embeddingLength: number | null;
  layers: number;
  chatTemplate: string | null;
}

/** Checks that `filePath` exists and starts like a GGUF file; returns its size and version. */
export async function checkGgufHeader(filePath: string): Promise<{ sizeBytes: number; ggufVersion: number }> {
  const stats = await stat(filePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new ModelFileError(
        `Model file not found: ${filePath}. Put a GGUF file there (or run \`vigie models pull <hf:user/repo/file.gguf|https://…/file.gguf>\` on a machine with internet and copy it)`,
      );
    }
    throw new ModelFileError(`Cannot read model file ${filePath}: ${error.message}`);
  });
  if (!stats.isFile()) throw new ModelFileError(`Model path is not a file: ${filePath}`);
  if (stats.size < 8) throw new ModelFileError(`Not a GGUF file (only ${stats.size} bytes): ${filePath}`);
  const handle = await open(filePath, 'r');
  try {
    const header = Buffer.alloc(8);
    await handle.read(header, 0, 8, 0);
    const magic = header.subarray(0, 4).toString('latin1');
    if (magic !== GGUF_MAGIC) {
      throw new ModelFileError(
        `Not a GGUF file (it starts with ${JSON.stringify(magic)}, expected "GGUF"): ${filePath}. Convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py) or download a .gguf build`,
      );
    }
    const ggufVersion = header.readUInt32LE(4);
    if (ggufVersion < 2 || ggufVersion > 3)
      throw new ModelFileError(`Unsupported GGUF version ${ggufVersion} in ${filePath} (expected 2 or 3)`);
    return { sizeBytes: stats.size, ggufVersion };
  } finally {
    await handle.close();
  }
}

function enumName(table: Record<string | number, string | number>, value: unknown): string | null {
  return typeof value === 'number' && typeof table[value] === 'string' ? (table[value] as string) : null;
}

/**
 * Reads the GGUF metadata and tensor table and checks the file holds every tensor byte;
 * a download cut short is reported as truncated with the expected and actual sizes.
 */
export async function readModelInfo(filePath: string, llama?: Llama): Promise<ModelInfo> {
  const absolute = path.resolve(filePath);
  const { sizeBytes, ggufVersion } = await checkGgufHeader(absolute);
  const { GgmlType, GgufFileType, GgufInsights, readGgufFileInfo } = await llamaModule();
  let info;
  let insights;
  try {
    info = await readGgufFileInfo(absolute, { readTensorInfo: true, sourceType: 'filesystem', logWarnings: false });
    if (!info.metadata?.general?.architecture) throw new Error('no general.architecture in its metadata');
    insights = await GgufInsights.from(info, llama);
  } catch (error) {
    throw new ModelFileError(
      `Truncated or corrupt GGUF file ${absolute}: its header cannot be read (${(error as Error).message}); download it again`,
    );
  }
  const tensors = info.fullTensorInfo ?? [];
  const dataStart = tensors.length === 0 ? 0 : Math.min(...tensors.map((tensor) => Number(tensor.fileOffset) - Number(tensor.offset)));
  const expectedBytes = dataStart + insights.modelSize;
  if (sizeBytes < expectedBytes) {
    throw new ModelFileError(
      `Truncated GGUF file ${absolute}: ${sizeBytes} bytes on disk, ${expectedBytes} expected from its tensor table; download it again`,
      { sizeBytes, expectedBytes },
    );
  }
  const metadata = info.metadata;
  const architectureMetadata = info.architectureMetadata as { context_length?: number; embedding_length?: number; block_count?: number };
  const fileType = enumName(GgufFileType as unknown as Record<number, string>, metadata.general?.file_type);
  const dominant = enumName(GgmlType as unknown as Record<number, string>, insights.dominantTensorType);
  return {
    path: absolute,
    fileName: path.basename(absolute),
    sizeBytes,
    ggufVersion,
    architecture: String(metadata.general?.architecture ?? 'unknown'),
    name: metadata.general?.name ?? null,
    parameters: insights.totalParameters,
    sizeLabel: metadata.general?.size_label ?? null,
    quantisation: fileType ?? dominant ?? 'unknown',
    contextLength: insights.trainContextSize ?? architectureMetadata.context_length ?? null,
    embeddingLength: insights.embeddingVectorSize ?? architectureMetadata.embedding_length ?? null,
    layers: architectureMetadata.block_count ?? Math.max(0, insights.totalLayers - 1),
    chatTemplate: metadata.tokenizer?.chat_template ?? null,
  };
}

/** A GGUF file found in the models directory. */
export interface ModelListing {
  fileName: string;
  path: string;
  sizeBytes: number;
  modifiedAt: string;
}

/** Lists `*.gguf` files in a directory (an absent directory is an empty list). */
export async function listModelFiles(directory: string): Promise<ModelListing[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const found: ModelListing[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.gguf')) continue;
    const full = path.join(directory, entry.name);
    const stats = await stat(full);
    found.push({ fileName: entry.name, path: full, sizeBytes: stats.size, modifiedAt: stats.mtime.toISOString() });
  }
  return found.sort((left, right) => left.fileName.localeCompare(right.fileName));
}

/** The directory models are pulled into and looked up in. */
export function modelsDirectory(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/**
 * Resolves a configured model reference: an existing path as is, a bare file name inside
 * DATA_DIR/models, and an `hf:` URI to the file `vigie models pull` would have written.
 */
export function resolveModelPath(reference: string, dataDir: string): string {
  if (reference.startsWith('hf:')) return path.join(modelsDirectory(dataDir), hfFileName(reference));
  if (path.isAbsolute(reference) || reference.includes('/') || reference.includes(path.sep)) return path.resolve(reference);
  return path.join(modelsDirectory(dataDir), reference);
}

/** The local file name for an `hf:user/repo/file.gguf` URI (or `hf:user/repo:quant`). */
export function hfFileName(uri: string): string {
  const body = uri.slice('hf:'.length);
  const parts = body.split('/').filter(Boolean);
  if (parts.length >= 3) return parts[parts.length - 1]!.split('#')[0]!;
  const [repo = 'model', quant] = (parts[1] ?? body).split(':');
  return `${parts[0] ?? 'hf'}_${repo}${quant ? `.${quant}` : ''}.gguf`;
}
