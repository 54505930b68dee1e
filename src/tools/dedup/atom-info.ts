/**
 * "What is this atom?": its size, reuse, some files that hold it and a safe preview: text
 * only when it decodes as UTF-8 without control characters, shortened, with secret-looking
 * values masked; anything else is shown as a short hex dump.
 */
import type { SqlQueries } from '../../db/sql-runner.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { AtomStore } from './atom-store.js';

/** An atom described for people. */
export interface AtomInfo {
  hash: string;
  size: number;
  storedSize: number;
  references: number;
  files: Array<{ snapshot: string; path: string; position: number }>;
  preview: { kind: 'text' | 'binary' | 'unavailable'; content: string; truncated: boolean };
}

const PREVIEW_CHARACTERS = 400;
const SECRET_ASSIGNMENT =
  /((?:pass(?:word|phrase)?|secret|token|api[-_]?key|auth|credential|private[-_]?key)["']?\s*[:=]\s*["']?)[^\s"',;]+/gi;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const VIGIE_TOKEN = /\bvig_[A-Za-z0-9_-]{20,}\b/g;

/** Masks secret-looking values in a text preview. */
export function maskSecrets(text: string): string {
  return text
    .replace(PRIVATE_KEY_BLOCK, '[redacted private key]')
    .replace(SECRET_ASSIGNMENT, '$1[redacted]')
    .replace(VIGIE_TOKEN, '[redacted]');
}

/** Builds the preview of some bytes. */
export function safePreview(data: Buffer): AtomInfo['preview'] {
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 4096));
  } catch {
    text = null;
  }
  // eslint-disable-next-line no-control-regex
  if (text !== null && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    const shown = text.slice(0, PREVIEW_CHARACTERS);
    return { kind: 'text', content: maskSecrets(shown), truncated: shown.length < data.length };
  }
  const bytes = data.subarray(0, 64);
  return { kind: 'binary', content: bytes.toString('hex').replace(/(..)(?!$)/g, '$1 '), truncated: data.length > bytes.length };
}

/** Describes an atom by id or unique prefix (at least 8 hex digits). */
export async function atomInfo(sql: SqlQueries, storeDirectory: string, id: string): Promise<AtomInfo> {
  const prefix = id.trim().toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(prefix)) throw new ValidationError('atom id must be 8 to 64 hexadecimal digits');
  const rows = await sql.query<{ hash: string; size: number; storedSize: number; references: number; pack: string | null; offset: number }>(
    `SELECT hash, size, stored_size AS "storedSize",
            (SELECT count(*) FROM dedup_file_atoms fa WHERE fa.atom_hash = dedup_atoms.hash)::float8 AS "references",
            pack, coalesce(pack_offset, 0)::float8 AS "offset"
       FROM dedup_atoms WHERE starts_with(hash, $1) ORDER BY hash LIMIT 2`,
    [prefix],
  );
  if (rows.length === 0) throw new NotFoundError(`Atom ${prefix}`);
  if (rows.length > 1) throw new ValidationError(`atom prefix ${prefix} is ambiguous; give more digits`);
  const { pack, offset, ...atom } = rows[0]!;
  const files = await sql.query<AtomInfo['files'][number]>(
    `SELECT s.name AS snapshot, f.path, fa.position FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id JOIN dedup_snapshots s ON s.id = f.snapshot_id
      WHERE fa.atom_hash = $1 ORDER BY f.path, s.name, fa.position LIMIT 10`,
    [atom.hash],
  );
  let preview: AtomInfo['preview'];
  const store = new AtomStore({ directory: storeDirectory });
  try {
    preview = safePreview(store.read({ hash: atom.hash, pack, offset, storedSize: atom.storedSize }));
  } catch (error) {
    preview = {
      kind: 'unavailable',
      content: `atom file unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      truncated: false,
    };
  } finally {
    store.close();
  }
  return { ...atom, files, preview };
}
