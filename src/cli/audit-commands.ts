/**
 * `vigie audit verify`: the same check as GET /api/audit/verify (hash chain plus the signed
 * anchors in AUDIT_ANCHOR_LOG), for an admin at the shell. Registered with the admin
 * commands, so with embedded PGlite and a running server it runs on that server's database.
 * `--mirror` cross-checks mirrored copies (AUDIT_ANCHOR_MIRROR_FILE by default, or chat
 * messages pasted into a file) so a truncated or rewritten anchor log is seen; `--anchors`
 * and `--public-key` verify against copies kept elsewhere.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { anchorPaths, loadOrCreateAnchorKey } from '../audit/anchor-key.js';
import { verifyAuditTrail, type AuditVerification } from '../audit/anchor-verify.js';
import { loadConfig } from '../config.js';
import { unsafePathReason } from '../contracts/safe-text.js';
import type { Database } from '../db/database.js';
import { AppError, ValidationError } from '../errors.js';

/** What the command needs from the admin IO (admin-commands.ts's AdminIo fits). */
export interface AuditCommandIo {
  console: Console;
  withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T>;
}

/** One human line per finding; the last line says ok or FAILED. */
export function describeVerification(result: AuditVerification): string[] {
  const lines = [
    `chain: ${result.checked} events checked${result.firstBrokenId ? `, first broken event ${result.firstBrokenId}` : ', hashes link'}`,
  ];
  if (result.anchors) {
    lines.push(`anchors: ${result.anchors.held} of ${result.anchors.total} hold, newest at event ${result.anchors.newestId ?? 'none'}`);
    for (const mirror of result.anchors.mirrors ?? []) {
      lines.push(`mirror ${mirror.file}: ${mirror.held} of ${mirror.total} hold, ${mirror.missingFromLog} missing from the anchor log`);
    }
    for (const problem of result.anchors.problems) lines.push(`  problem: ${problem.reason}`);
    lines.push(`not yet anchored: ${result.anchors.notYetAnchored}`);
  }
  lines.push(result.ok ? 'ok' : 'FAILED');
  return lines;
}

/** A file path from the command line: no control characters or broken Unicode, resolved against the working directory. */
const pathOption = z
  .string()
  .min(1, 'must not be empty')
  .max(4_096)
  .check((ctx) => {
    const reason = unsafePathReason(ctx.value);
    if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value });
  })
  .transform((value) => path.resolve(value));

const optionsSchema = z.object({
  json: z.boolean().optional(),
  anchors: pathOption.optional(),
  mirror: z.array(pathOption).optional(),
  publicKey: pathOption.optional(),
});

function parseOptions(raw: unknown): z.infer<typeof optionsSchema> {
  const parsed = optionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues
      .map((issue) => `--${String(issue.path[0] ?? 'options').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`)
      .join('; '),
  );
}

function readPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(
      `--public-key: ${file} is not a readable PEM public key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ValidationError(`--public-key: ${file} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 key`);
  return key;
}

/** Registers `audit verify` (exits 1 when verification fails). */
export function registerAuditCommands(program: Command, { console, withDatabase }: AuditCommandIo): void {
  const audit = program.command('audit').description('audit trail: verify the hash chain against its signed anchors');
  audit
    .command('verify')
    .description('recompute the hash chain and check it against the anchors in AUDIT_ANCHOR_LOG and its mirrored copies')
    .option('--json', 'print JSON')
    .option('--anchors <file>', 'read the anchors from this file instead of AUDIT_ANCHOR_LOG (a copy kept elsewhere)')
    .option(
      '--mirror <file>',
      'cross-check a mirrored copy (a file, or chat messages pasted into one); repeatable; default AUDIT_ANCHOR_MIRROR_FILE',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--public-key <file>', 'check signatures with this PEM public key (a copy of <AUDIT_ANCHOR_KEY>.pub) instead of the key file')
    .action(async (raw: unknown) => {
      const options = parseOptions(raw);
      const config = loadConfig();
      const { keyPath, logPath } = anchorPaths(config);
      const key = options.publicKey ? { publicKey: readPublicKey(options.publicKey) } : loadOrCreateAnchorKey(keyPath);
      const mirrors = options.mirror ?? (config.AUDIT_ANCHOR_MIRROR_FILE ? [path.resolve(config.AUDIT_ANCHOR_MIRROR_FILE)] : []);
      const result = await withDatabase((database) =>
        verifyAuditTrail(database.prisma, { key, logPath: options.anchors ?? logPath, mirrors }),
      );
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else for (const line of describeVerification(result)) console.log(line);
      if (!result.ok) throw new AppError('audit_verify_failed', 409, 'audit verification failed (see the problems above)');
    });
}
