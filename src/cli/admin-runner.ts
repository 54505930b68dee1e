/**
 * Runs the admin commands (migrate, users, token) from an argv inside a process that already
 * has the database open: the server answering its admin socket. Output is captured, not
 * printed, and commander never exits the process.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { registerAdminCommands, type AdminIo } from './admin-commands.js';

/** What a forwarded command printed and its exit code. */
export const adminRunResultSchema = z.object({ code: z.number().int(), stdout: z.string(), stderr: z.string() });
/** What a forwarded command printed and its exit code. */
export type AdminRunResult = z.infer<typeof adminRunResultSchema>;

/** A forwarded request: the arguments after `vigie`, bounded. */
export const adminRunRequestSchema = z.object({ argv: z.array(z.string().max(2_000)).min(1).max(40) });

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

/** Runs `vigie <argv>` (admin commands only) on an open database. */
export async function runAdminArgv(
  argv: string[],
  database: Database,
  audit: AuditLog,
  announce: AdminIo['announce'] = async () => undefined,
): Promise<AdminRunResult> {
  const out = collector();
  const err = collector();
  const io = new Console({ stdout: out.stream, stderr: err.stream });
  const program = new Command('vigie')
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.stream.write(text), writeErr: (text) => err.stream.write(text) });
  registerAdminCommands(program, { console: io, withDatabase: (work) => work(database, audit), announce });
  let code = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode;
    else if (error instanceof AppError) {
      io.error(`vigie: ${error.message}`);
      code = 1;
    } else throw error;
  }
  return { code, stdout: out.text(), stderr: err.text() };
}
