/**
 * A private PostgreSQL the test owns (initdb/pg_ctl in a temp dir on a given port), so an
 * outage test can stop and restart it without touching the machine's shared server. As
 * root, the binaries run as the `postgres` user (initdb refuses root).
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** A running private server. */
export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function asOwner(binary: string, args: string[]): Promise<void> {
  const command = path.join(BIN, binary);
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
  else await run(command, args);
}

/** initdb + start on `port` (trust auth on loopback only). */
export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const root = mkdtempSync(path.join(tmpdir(), 'vigie-pg-'));
  const data = path.join(root, 'data');
  if (process.getuid?.() === 0) chownSync(root, 101, 104);
  await asOwner('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => asOwner('pg_ctl', ['-D', data, '-o', options, '-w', '-l', path.join(root, 'log'), 'start']);
  const stop = () => asOwner('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
