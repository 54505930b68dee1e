/**
 * `vigie models pull`: downloads a GGUF (an `hf:user/repo/file.gguf` URI or an https URL)
 * into DATA_DIR/models through a `.part` file, then checks the GGUF header and that every
 * tensor byte arrived before the file takes its final name. Short connect and stall
 * timeouts: on a machine with no internet it fails fast and says what to fetch and where
 * to put it, instead of hanging.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, ConflictError, ValidationError } from '../errors.js';
import { readModelInfo, type ModelInfo } from './model-files.js';

/** The download could not be done (no network, HTTP error, stalled); says how to do it by hand. */
export class ModelDownloadError extends AppError {
  constructor(message: string) {
    super('model_download_failed', 502, message);
  }
}

/** Where a model reference downloads from, and the file name it gets. */
export interface PullSource {
  url: string;
  fileName: string;
}

/** Options of a pull; the endpoint and timeouts are injectable for tests. */
export interface PullOptions {
  reference: string;
  directory: string;
  /** Hugging Face endpoint (HF_ENDPOINT), default https://huggingface.co. */
  huggingFaceEndpoint?: string;
  connectTimeoutMs?: number;
  stallTimeoutMs?: number;
  force?: boolean;
  onProgress?: (received: number, total: number | null) => void;
  signal?: AbortSignal;
}

const SAFE_FILE_NAME = /^[\w.+-]+\.gguf$/i;

/** Turns `hf:user/repo[@revision]/path/file.gguf` or an http(s) URL into a download URL and file name. */
export function resolvePullSource(reference: string, huggingFaceEndpoint = 'https://huggingface.co'): PullSource {
  let url: string;
  if (reference.startsWith('hf:')) {
    const parts = reference.slice(3).split('/').filter(Boolean);
    if (parts.length < 3 || !parts[parts.length - 1]!.toLowerCase().endsWith('.gguf')) {
      throw new ValidationError(
        `Unsupported model URI ${JSON.stringify(reference)}: use hf:<user>/<repo>/<file>.gguf (for example hf:bartowski/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct-Q4_K_M.gguf)`,
      );
    }
    const [user, repoWithRevision, ...file] = parts;
    const [repo, revision = 'main'] = repoWithRevision!.split('@');
    url = `${huggingFaceEndpoint.replace(/\/+$/, '')}/${user}/${repo}/resolve/${encodeURIComponent(revision)}/${file.map(encodeURIComponent).join('/')}`;
  } else if (/^https?:\/\//i.test(reference)) {
    url = reference;
  } else {
    throw new ValidationError(
      `Unsupported model reference ${JSON.stringify(reference)}: give hf:<user>/<repo>/<file>.gguf or an https:// URL`,
    );
  }
  const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (!SAFE_FILE_NAME.test(fileName))
    throw new ValidationError(`The URL must end with a .gguf file name (got ${JSON.stringify(fileName)})`);
  return { url, fileName };
}

function manualHint(source: PullSource, destination: string): string {
  return `Download ${source.url} on a machine with internet access and copy it to ${destination}`;
}

/** Downloads, verifies and installs a model; returns its description. */
export async function pullModel(options: PullOptions): Promise<ModelInfo> {
  const source = resolvePullSource(options.reference, options.huggingFaceEndpoint);
  const destination = path.join(options.directory, source.fileName);
  if (!options.force && (await stat(destination).catch(() => null))) {
    throw new ConflictError(`${destination} already exists; use --force to download it again`);
  }
  await mkdir(options.directory, { recursive: true });
  const partial = `${destination}.part`;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer = setTimeout(() => controller.abort(new Error('connect timeout')), options.connectTimeoutMs ?? 10_000);
  try {
    let response: Response;
    try {
      response = await fetch(source.url, { signal: controller.signal, redirect: 'follow', headers: { 'user-agent': 'vigie-model-pull' } });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = controller.signal.aborted
        ? String((controller.signal.reason as Error)?.message ?? 'aborted')
        : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new ModelDownloadError(
        `Cannot reach ${new URL(source.url).host} (${reason}): this machine seems to have no internet access. ${manualHint(source, destination)}`,
      );
    }
    if (!response.ok || !response.body) {
      throw new ModelDownloadError(
        `Download of ${source.url} failed: HTTP ${response.status} ${response.statusText}. ${manualHint(source, destination)}`,
      );
    }
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    let received = 0;
    const stall = options.stallTimeoutMs ?? 30_000;
    const resetStall = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no data for ${stall} ms`)), stall);
    };
    resetStall();
    const body = Readable.fromWeb(response.body as never);
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      resetStall();
      options.onProgress?.(received, total);
    });
    try {
      await pipeline(body, createWriteStream(partial));
    } catch (error) {
      const reason = controller.signal.aborted
        ? String((controller.signal.reason as Error)?.message ?? 'aborted')
        : (error as Error).message;
      throw new ModelDownloadError(
        `Download of ${source.url} was interrupted after ${received} bytes (${reason}). ${manualHint(source, destination)}`,
      );
    }
    if (total !== null && received !== total) {
      throw new ModelDownloadError(
        `Download of ${source.url} is incomplete: ${received} of ${total} bytes. ${manualHint(source, destination)}`,
      );
    }
    const info = await readModelInfo(partial);
    await rename(partial, destination);
    return { ...info, path: destination, fileName: source.fileName };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await rm(partial, { force: true });
  }
}
