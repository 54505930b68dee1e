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
}

/** The chain walk plus the anchor checks; `ok` only when both hold. */
export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  anchors: AnchorReport | null;
}

/** Where the anchors are and the key that signed them. */
export interface AnchorSource {
  key: AnchorKey;
  logPath: string;
}

/** Verifies the chain and, with `source`, the anchors. */
export async function verifyAuditTrail(prisma: PrismaClient, source?: AnchorSource): Promise<AuditVerification> {
  if (!source) return { ...(await verifyAuditChain(prisma)), anchors: null };
  const lines = await readAnchorLog(source.logPath);
  const problems: AnchorProblem[] = [];
  const signed: { line: number; anchor: AnchorLine }[] = [];
  for (const entry of lines) {
    if ('error' in entry) {
      problems.push({ line: entry.line, id: null, reason: `anchor line ${entry.line} is unreadable (${entry.error})` });
    } else if (!verify(null, anchorSigningBytes(entry.anchor), source.key.publicKey, Buffer.from(entry.anchor.sig, 'base64'))) {
      problems.push({ line: entry.line, id: entry.anchor.id, reason: `anchor line ${entry.line} (id ${entry.anchor.id}) has a bad signature: the anchor log was tampered with` });
    } else signed.push(entry);
  }
  const byId = new Map<string, { line: number; anchor: AnchorLine; seen: boolean }[]>();
  for (const entry of signed) byId.set(entry.anchor.id, [...(byId.get(entry.anchor.id) ?? []), { ...entry, seen: false }]);
  const chain = await verifyAuditChain(prisma, 2000, (record, position) => {
    for (const entry of byId.get(record.id) ?? []) {
      entry.seen = true;
      if (record.hash !== entry.anchor.hash) {
        problems.push({ line: entry.line, id: record.id, reason: `event ${record.id} does not have the anchored hash: the chain was rewritten from there or before` });
      } else if (position !== entry.anchor.count) {
        problems.push({ line: entry.line, id: record.id, reason: `${position} events up to ${record.id}, the anchor says ${entry.anchor.count}: events were removed or inserted before it` });
      }
    }
  });
  const lastId = await prisma.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  for (const entries of byId.values()) {
    for (const entry of entries) {
      if (entry.seen) continue;
      const beyond = lastId === null || BigInt(entry.anchor.id) > lastId.id;
      if (beyond) problems.push({ line: entry.line, id: entry.anchor.id, reason: `anchored event ${entry.anchor.id} is missing: events at the end of the chain were deleted (newest event is ${lastId?.id.toString() ?? 'none'})` });
      else if (chain.ok) problems.push({ line: entry.line, id: entry.anchor.id, reason: `anchored event ${entry.anchor.id} is missing from the chain: it was deleted` });
      else problems.push({ line: entry.line, id: entry.anchor.id, reason: `anchored event ${entry.anchor.id} was not checked: the chain breaks before it (event ${chain.firstBrokenId})` });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  const newest = signed.reduce<AnchorLine | null>((best, entry) => (best === null || BigInt(entry.anchor.id) > BigInt(best.id) ? entry.anchor : best), null);
  const report: AnchorReport = {
    total: lines.length,
    held: signed.filter((entry) => !problems.some((problem) => problem.line === entry.line)).length,
    newestId: newest?.id ?? null,
    notYetAnchored: Math.max(0, chain.checked - (newest?.count ?? 0)),
    problems,
  };
  return { ...chain, ok: chain.ok && problems.length === 0, anchors: report };
}
