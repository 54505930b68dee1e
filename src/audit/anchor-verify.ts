/**
 * Checks the audit chain against its anchors: each anchor's signature, that the row at the
 * anchored id still exists with the anchored hash, and that the number of events up to it
 * matches. This is what finds a deleted tail or a suffix rewritten with recomputed hashes,
 * which the hash chain alone cannot see.
 */
import { verify } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { AnchorKey } from './anchor-key.js';
import { anchorSigningBytes, readAnchorLog, type AnchorLine } from './audit-anchors.js';
import { verifyAuditChain } from './audit-log.js';

/** One anchor that does not hold, with a reason an admin can act on. */
export interface AnchorProblem {
  line: number;
  id: string | null;
  reason: string;
  /** The mirrored copy the line is in; absent for the anchor log itself. */
  file?: string;
}

/** What verify found in one mirrored copy of the anchor log (`--mirror`). */
export interface MirrorReport {
  file: string;
  /** Anchors read from the copy (valid or not). */
  total: number;
  /** Signed anchors of the copy that hold against the chain (in the log or not). */
  held: number;
  /** Signed anchors of the copy that the anchor log lacks: it was truncated or rewritten. */
  missingFromLog: number;
}

/** What verify reports about anchors. */
export interface AnchorReport {
  /** Anchors read from the log (valid or not). */
  total: number;
  /** Anchors whose signature is valid and whose row, hash and count match. */
  held: number;
  newestId: string | null;
  /** Events after the newest valid anchor ("not yet anchored: N"). */
  notYetAnchored: number;
  problems: AnchorProblem[];
  /** One entry per mirrored copy checked; absent without mirrors. */
  mirrors?: MirrorReport[];
}

/** The chain walk plus the anchor checks; `ok` only when both hold. */
export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  anchors: AnchorReport | null;
}

/** Where the anchors are and the key that signed them; `mirrors` are copies (a file or pasted chat messages) cross-checked with the log. */
export interface AnchorSource {
  /** Only the public key is used: verify also runs on a machine that holds just `<key>.pub`. */
  key: Pick<AnchorKey, 'publicKey'>;
  logPath: string;
  mirrors?: string[] | undefined;
}

interface Entry {
  line: number;
  file?: string;
  anchor: AnchorLine;
  seen: boolean;
  bad: boolean;
}

const anchorKey = (anchor: AnchorLine) => `${anchor.id}/${anchor.hash}/${anchor.count}/${anchor.at}/${anchor.sig}`;

/** Verifies the chain and, with `source`, the anchors of the log and of its mirrored copies. */
export async function verifyAuditTrail(prisma: PrismaClient, source?: AnchorSource): Promise<AuditVerification> {
  if (!source) return { ...(await verifyAuditChain(prisma)), anchors: null };
  const problems: AnchorProblem[] = [];
  const where = (file: string | undefined, line: number) => (file ? `mirror ${file} line ${line}` : `anchor line ${line}`);
  const problem = (entry: { line: number; file?: string | undefined; bad?: boolean }, id: string | null, reason: string) => {
    problems.push({ line: entry.line, id, reason, ...(entry.file ? { file: entry.file } : {}) });
    entry.bad = true;
  };
  /** The signed entries of one file; unreadable and forged lines become problems. */
  const readSigned = async (file: string, copy: string | undefined) => {
    const lines = await readAnchorLog(file, { copy: copy !== undefined });
    const signed: Entry[] = [];
    for (const entry of lines) {
      if ('error' in entry) {
        problem({ line: entry.line, file: copy }, null, `${where(copy, entry.line)} is unreadable (${entry.error})`);
      } else if (!verify(null, anchorSigningBytes(entry.anchor), source.key.publicKey, Buffer.from(entry.anchor.sig, 'base64'))) {
        problem(
          { line: entry.line, file: copy },
          entry.anchor.id,
          `${where(copy, entry.line)} (id ${entry.anchor.id}) has a bad signature: ${copy ? 'the copy' : 'the anchor log'} was tampered with`,
        );
      } else signed.push({ line: entry.line, ...(copy ? { file: copy } : {}), anchor: entry.anchor, seen: false, bad: false });
    }
    return { total: lines.length, signed };
  };
  const log = await readSigned(source.logPath, undefined);
  const inLog = new Map(log.signed.map((entry) => [anchorKey(entry.anchor), entry]));
  // Anchors of a copy that the log lacks are checked against the chain too: a truncated log must not hide a deleted tail.
  const checked: Entry[] = [...log.signed];
  const mirrors: Array<{ file: string; total: number; signed: Entry[]; inLog: Entry[]; only: Entry[] }> = [];
  for (const file of source.mirrors ?? []) {
    const copy = await readSigned(file, file);
    const known: Entry[] = [];
    const only: Entry[] = [];
    for (const entry of copy.signed) {
      const twin = inLog.get(anchorKey(entry.anchor));
      if (twin) {
        known.push(twin);
        continue;
      }
      // Not `problem()`: the entry itself may still hold against the chain.
      problems.push({
        line: entry.line,
        id: entry.anchor.id,
        file,
        reason: `${where(file, entry.line)}: the anchor at event ${entry.anchor.id} is missing from the anchor log: the anchor log was truncated or rewritten`,
      });
      checked.push(entry);
      only.push(entry);
    }
    mirrors.push({ file, total: copy.total, signed: copy.signed, inLog: known, only });
  }
  const byId = new Map<string, Entry[]>();
  for (const entry of checked) byId.set(entry.anchor.id, [...(byId.get(entry.anchor.id) ?? []), entry]);
  const chain = await verifyAuditChain(prisma, 2000, (record, position) => {
    for (const entry of byId.get(record.id) ?? []) {
      entry.seen = true;
      if (record.hash !== entry.anchor.hash) {
        problem(
          entry,
          record.id,
          `event ${record.id} does not have the anchored hash${entry.file ? ` (${where(entry.file, entry.line)})` : ''}: the chain was rewritten from there or before`,
        );
      } else if (position !== entry.anchor.count) {
        problem(
          entry,
          record.id,
          `${position} events up to ${record.id}, the anchor says ${entry.anchor.count}${entry.file ? ` (${where(entry.file, entry.line)})` : ''}: events were removed or inserted before it`,
        );
      }
    }
  });
  const lastId = await prisma.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  for (const entry of checked) {
    if (entry.seen) continue;
    const at = entry.file ? ` (${where(entry.file, entry.line)})` : '';
    const beyond = lastId === null || BigInt(entry.anchor.id) > lastId.id;
    if (beyond)
      problem(
        entry,
        entry.anchor.id,
        `anchored event ${entry.anchor.id} is missing: events at the end of the chain were deleted (newest event is ${lastId?.id.toString() ?? 'none'})${at}`,
      );
    else if (chain.ok) problem(entry, entry.anchor.id, `anchored event ${entry.anchor.id} is missing from the chain: it was deleted${at}`);
    else
      problem(
        entry,
        entry.anchor.id,
        `anchored event ${entry.anchor.id} was not checked: the chain breaks before it (event ${chain.firstBrokenId})${at}`,
      );
  }
  problems.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
  const newest = checked.reduce<AnchorLine | null>(
    (best, entry) => (best === null || BigInt(entry.anchor.id) > BigInt(best.id) ? entry.anchor : best),
    null,
  );
  const report: AnchorReport = {
    total: log.total,
    held: log.signed.filter((entry) => !entry.bad).length,
    newestId: newest?.id ?? null,
    notYetAnchored: Math.max(0, chain.checked - (newest?.count ?? 0)),
    problems,
    ...(source.mirrors?.length
      ? {
          mirrors: mirrors.map((mirror) => ({
            file: mirror.file,
            total: mirror.total,
            held: [...mirror.inLog, ...mirror.only].filter((entry) => !entry.bad).length,
            missingFromLog: mirror.only.length,
          })),
        }
      : {}),
  };
  return { ...chain, ok: chain.ok && problems.length === 0, anchors: report };
}
