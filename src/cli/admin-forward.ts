/**
 * Sends an admin command (migrate, users, token) to the server running on the same embedded
 * database, over its admin socket (src/server/admin-socket.ts). Returns undefined when
 * there is no such server, so the command runs locally (and the database lock refuses it
 * if some other process holds the files).
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { adminSocketPath } from '../server/admin-socket.js';
import { ADMIN_COMMANDS } from './admin-commands.js';
import { adminRunResultSchema, type AdminRunResult } from './admin-runner.js';

function post(socketPath: string, argv: string[]): Promise<AdminRunResult | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath, path: '/cli', method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          const parsed = response.statusCode === 200 ? adminRunResultSchema.safeParse(JSON.parse(body)) : undefined;
          if (parsed?.success) resolve(parsed.data);
          else reject(new Error(`the running server refused the command (HTTP ${response.statusCode}): ${body.slice(0, 200)}`));
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A socket left by a server that died: nobody listens, run locally.
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(undefined);
      else reject(error);
    });
    request.end(JSON.stringify({ argv }));
  });
}

/** Options whose value is a file: resolved here, since the server has its own working directory. */
const PATH_OPTIONS = new Set(['--anchors', '--mirror', '--public-key']);

/** `args` with the values of file options made absolute against this process's working directory. */
export function absolutePathArgs(args: string[]): string[] {
  return args.map((arg, index) => {
    const equals = arg.indexOf('=');
    if (arg.startsWith('--') && equals > 0 && PATH_OPTIONS.has(arg.slice(0, equals)) && arg.length > equals + 1)
      return `${arg.slice(0, equals)}=${path.resolve(arg.slice(equals + 1))}`;
    return index > 0 && PATH_OPTIONS.has(args[index - 1]!) && arg !== '' && !arg.startsWith('-') ? path.resolve(arg) : arg;
  });
}

/** Forwards `args` (after `vigie`) when they are an admin command and an embedded server runs. */
export async function forwardToRunningServer(args: string[]): Promise<AdminRunResult | undefined> {
  if (!(ADMIN_COMMANDS as readonly string[]).includes(args[0] ?? '')) return undefined;
  if (args.includes('--help') || args.includes('-h')) return undefined;
  const config = loadConfig();
  if (config.DATABASE_URL) return undefined;
  const socketPath = adminSocketPath(config.dataDir);
  if (!existsSync(socketPath)) return undefined;
  return post(socketPath, absolutePathArgs(args));
}
