/**
 * `vigie audit verify`: the same check as GET /api/audit/verify (hash chain plus the signed
 * anchors in AUDIT_ANCHOR_LOG), for an admin at the shell. Registered with the admin
 * commands, so with embedded PGlite and a running server it runs on that server's database.
 */
import type { Command } from 'commander';
import { anchorPaths, loadOrCreateAnchorKey } from '../audit/anchor-key.js';
import { verifyAuditTrail, type AuditVerification } from '../audit/anchor-verify.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';

/** What the command needs from the admin IO (admin-commands.ts's AdminIo fits). */
export interface AuditCommandIo {
  console: Console;
  withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T>;
}

/** One human line per finding; the last line says ok or FAILED. */
export function describeVerification(result: AuditVerification): string[] {
  const lines = [`chain: ${result.checked} events checked${result.firstBrokenId ? `, first broken event ${result.firstBrokenId}` : ', hashes link'}`];
  if (result.anchors) {
    lines.push(`anchors: ${result.anchors.held} of ${result.anchors.total} hold, newest at event ${result.anchors.newestId ?? 'none'}`);
    for (const problem of result.anchors.problems) lines.push(`  problem: ${problem.reason}`);
    lines.push(`not yet anchored: ${result.anchors.notYetAnchored}`);
  }
  lines.push(result.ok ? 'ok' : 'FAILED');
  return lines;
}

/** Registers `audit verify` (exits 1 when verification fails). */
export function registerAuditCommands(program: Command, { console, withDatabase }: AuditCommandIo): void {
  const audit = program.command('audit').description('audit trail: verify the hash chain against its signed anchors');
  audit
    .command('verify')
    .description('recompute the hash chain and check it against the anchors in AUDIT_ANCHOR_LOG')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const { keyPath, logPath } = anchorPaths(config);
      const key = loadOrCreateAnchorKey(keyPath);
      const result = await withDatabase((database) => verifyAuditTrail(database.prisma, { key, logPath }));
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else for (const line of describeVerification(result)) console.log(line);
      if (!result.ok) throw new AppError('audit_verify_failed', 409, 'audit verification failed (see the problems above)');
    });
}
