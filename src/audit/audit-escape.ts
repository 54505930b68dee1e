/**
 * The safe form of an audit event the database refused (a NUL byte or a lone UTF-16
 * surrogate in a string, an id that is not a UUID, a fractional duration…). Nothing is
 * dropped: offending characters are written as visible escapes (`\u0000`, `\ud800`), ids
 * that do not fit their column move into `details`, and the SHA-256 of the original event's
 * canonical JSON is kept, so what was escaped stays provable.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNELS = new Set(['console', 'api', 'slack', 'discord', 'cli', 'system']);
const UUID_FIELDS = ['actorId', 'conversationId', 'executionId', 'approverId'] as const;

/** Replaces NUL and lone surrogates with their visible escape; other text is unchanged. */
export function escapeText(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0) out += '\\u0000';
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[index]! + text[index + 1]!;
        index += 1;
      } else out += `\\u${code.toString(16)}`;
    } else if (code >= 0xdc00 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += text[index]!;
  }
  return out;
}

/** True when a string holds something PostgreSQL text/jsonb cannot store (NUL, lone surrogate). */
export function hasUnstorableText(text: string): boolean {
  return escapeText(text) !== text;
}

/** Escapes every string (keys included) at every depth; cycles and depth are bounded. */
export function escapeDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return escapeText(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (depth > 64) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => escapeDeep(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [escapeText(key), escapeDeep(item, depth + 1)]));
}

/** The fields of a pending event that the database stores. */
export interface EscapableRecord {
  createdAt: string;
  action: string;
  status: string;
  actorId: string | null;
  actorName: string | null;
  channel: string;
  externalIds: Record<string, unknown>;
  conversationId: string | null;
  tool: string | null;
  executionId: string | null;
  arguments: unknown;
  approverId: string | null;
  durationMs: number | null;
  resultDigest: string | null;
  details: Record<string, unknown>;
  traceId: string | null;
}

/** The storable twin of `record`, with `details._audit` saying what was escaped and why. */
export function escapeAuditRecord<T extends EscapableRecord>(record: T, reason: string): T {
  const originalDigest = createHash('sha256').update(canonicalJson(record)).digest('hex');
  const moved: Record<string, unknown> = {};
  const ids: Partial<Record<(typeof UUID_FIELDS)[number], string | null>> = {};
  for (const field of UUID_FIELDS) {
    const value = record[field];
    if (value !== null && (typeof value !== 'string' || !UUID.test(value))) {
      moved[field] = escapeDeep(value);
      ids[field] = null;
    }
  }
  const duration = record.durationMs;
  const durationMs =
    duration === null || duration === undefined
      ? null
      : Number.isFinite(duration)
        ? Math.max(-2_147_483_648, Math.min(2_147_483_647, Math.round(duration)))
        : null;
  const text = (value: string | null) => (value === null ? null : escapeText(String(value)));
  return {
    ...record,
    action: escapeText(String(record.action)),
    status: escapeText(String(record.status)),
    actorName: text(record.actorName),
    channel: CHANNELS.has(record.channel) ? record.channel : 'system',
    externalIds: escapeDeep(record.externalIds ?? {}) as Record<string, unknown>,
    tool: text(record.tool),
    arguments: escapeDeep(record.arguments ?? {}),
    resultDigest: text(record.resultDigest),
    traceId: text(record.traceId),
    durationMs,
    ...ids,
    details: {
      ...(escapeDeep(record.details ?? {}) as Record<string, unknown>),
      _audit: {
        escaped: true,
        reason: escapeText(reason).slice(0, 300),
        originalDigest,
        ...(Object.keys(moved).length ? { invalidFields: moved } : {}),
      },
    },
  };
}
