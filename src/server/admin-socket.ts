/**
 * The embedded server's admin socket: a unix socket under DATA_DIR/run (directory 0700,
 * socket 0600, so only the owner reaches it) on which the CLI's admin commands run inside
 * the server, on its database. With PGlite only one process may open the files, so this is
 * how `vigie users create` works while `vigie start` runs.
 */
import { mkdirSync, chmodSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AuditLog } from '../audit/audit-log.js';
import type { AccessChanges } from '../auth/access-changes.js';
import { adminRunRequestSchema, runAdminArgv } from '../cli/admin-runner.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';

/** Where the admin socket of a DATA_DIR lives. */
export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'admin.sock');
}

/** A listening admin socket. */
export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** Listens on DATA_DIR/run/admin.sock; the caller holds the database lock, so a leftover socket is stale. */
export async function startAdminSocket(options: {
  dataDir: string;
  database: Database;
  audit: AuditLog;
  logger: Logger;
  /** Applies a revoke made through the socket on this server (and its peers) at once. */
  accessChanges?: AccessChanges;
}): Promise<AdminSocket> {
  const socketPath = adminSocketPath(options.dataDir);
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(socketPath), 0o700);
  rmSync(socketPath, { force: true });
  const server = http.createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method !== 'POST' || request.url !== '/cli') return reply(404, { error: 'POST /cli only' });
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) request.destroy();
    });
    request.on('end', () => {
      let parsed;
      try {
        parsed = adminRunRequestSchema.safeParse(JSON.parse(body));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) return reply(400, { error: 'expected {"argv": [string, ...]}' });
      const argv = parsed.data.argv;
      runAdminArgv(argv, options.database, options.audit, async (change) => options.accessChanges?.announce(change)).then(
        (result) => {
          options.logger.info({ command: argv.slice(0, 2).join(' '), code: result.code }, 'admin command from the local CLI');
          reply(200, result);
        },
        (error: unknown) => {
          options.logger.error({ err: error }, 'admin command from the local CLI failed');
          reply(500, { error: 'internal error (see the server log)' });
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}
