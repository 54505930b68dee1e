/**
 * Where the store lives and how ingest runs, derived once from configuration so the CLI,
 * the REST routes and the toolset share one definition.
 */
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.js';
import { ForbiddenError, ValidationError } from '../../errors.js';
import type { CompressionMode } from './atom-store.js';
import { DEFAULT_CHUNK_SIZES, type ChunkSizes } from './fastcdc.js';

/** Everything the engine needs besides the database. */
export interface DedupSettings {
  storeDirectory: string;
  workers: number;
  chunkSizes: ChunkSizes;
  compression: CompressionMode;
  fsync: boolean;
  /** Roots that chat and REST ingests may read (default DATA_DIR/ingest; the CLI is never limited). */
  allowedRoots: string[];
}

/** The configuration keys the dedup engine reads. */
export type DedupConfig = Partial<
  Pick<
    Config,
    'DEDUP_DIR' | 'DEDUP_WORKERS' | 'DEDUP_CHUNK_AVG' | 'DEDUP_COMPRESSION' | 'DEDUP_FSYNC' | 'DEDUP_ALLOWED_ROOTS' | 'dataDir' | 'DATA_DIR'
  >
>;

/** Chunk sizes around an average: min = avg/4, max = avg*4 (FastCDC's usual spread). */
export function chunkSizesFor(average: number): ChunkSizes {
  if (average === DEFAULT_CHUNK_SIZES.avg) return DEFAULT_CHUNK_SIZES;
  return { min: Math.max(64, Math.floor(average / 4)), avg: average, max: average * 4 };
}

/** Default worker count: one per core, at least two. */
export function defaultWorkers(): number {
  return Math.max(2, Math.min(16, os.availableParallelism()));
}

/**
 * DEDUP_ALLOWED_ROOTS, or by default the `ingest` folder of DATA_DIR: a REST or chat ingest
 * can never read the whole disk because an operator left the variable unset.
 */
export function allowedRootsFrom(config: DedupConfig): string[] {
  const listed = (config.DEDUP_ALLOWED_ROOTS ?? '')
    .split(',')
    .map((root) => root.trim())
    .filter(Boolean);
  const roots = listed.length > 0 ? listed : [path.join(config.dataDir ?? path.resolve(config.DATA_DIR ?? './data'), 'ingest')];
  return roots.map((root) => path.resolve(root));
}

/** Builds settings from configuration; null when neither DEDUP_DIR nor DATA_DIR is known. */
export function dedupSettingsFromConfig(config: DedupConfig): DedupSettings | null {
  const directory = config.DEDUP_DIR ?? (config.dataDir ? path.join(config.dataDir, 'dedup') : undefined);
  if (!directory) return null;
  return {
    storeDirectory: path.resolve(directory),
    workers: config.DEDUP_WORKERS ? config.DEDUP_WORKERS : defaultWorkers(),
    chunkSizes: chunkSizesFor(config.DEDUP_CHUNK_AVG ?? DEFAULT_CHUNK_SIZES.avg),
    compression: config.DEDUP_COMPRESSION ?? 'none',
    fsync: config.DEDUP_FSYNC ?? true,
    allowedRoots: allowedRootsFrom(config),
  };
}

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Validates a snapshot name (letters, digits, . _ -; no path separators). */
export function validateSnapshotName(name: string): string {
  if (!SNAPSHOT_NAME.test(name) || name.includes('..')) {
    throw new ValidationError(
      `invalid snapshot name ${JSON.stringify(name.slice(0, 120))}: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** Normalises a path inside a snapshot ('' for the whole tree); rejects absolute paths and `..`. */
export function normaliseSnapshotPath(value: string): string {
  const trimmed = value.trim().replace(/\\/g, '/');
  if (trimmed === '' || trimmed === '.' || trimmed === '/') return '';
  if (trimmed.startsWith('/') || trimmed.includes('\0'))
    throw new ValidationError(`snapshot paths are relative to the snapshot root (got ${JSON.stringify(value)})`);
  const parts = trimmed.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..'))
    throw new ValidationError(`path traversal ('..') is not allowed in snapshot paths (got ${JSON.stringify(value)})`);
  return parts.join('/');
}

/** The path with symbolic links resolved when it exists (a link out of a root is outside it). */
function realOrResolved(target: string): string {
  try {
    return realpathSync(path.resolve(target));
  } catch {
    // Absent paths are compared as written; the ingest itself reports them missing.
    return path.resolve(target);
  }
}

/** Checks a chat/REST ingest root against DEDUP_ALLOWED_ROOTS (default DATA_DIR/ingest). */
export function assertAllowedRoot(settings: DedupSettings, root: string): void {
  const resolved = realOrResolved(root);
  const allowed = settings.allowedRoots.map(realOrResolved).some((prefix) => resolved === prefix || resolved.startsWith(prefix + path.sep));
  if (!allowed) throw new ForbiddenError(`${resolved} is outside DEDUP_ALLOWED_ROOTS`);
}
