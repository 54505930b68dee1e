/**
 * Alert sources and their credentials. Each source (an Alertmanager, a Grafana) gets its own
 * bearer token, shown once and stored as a SHA-256 hash, so one leaked token is revoked
 * without touching the others. A Grafana source may also carry the HMAC secret it signs with.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { hashToken } from '../auth/token-codec.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { AlertSource } from './alert-payloads.js';

/** Every hook token starts with this, so secret scanners can recognise one. */
export const HOOK_TOKEN_PREFIX = 'vigh_';

/** What creating a source takes (API body and `vigie hooks create` alike). */
export const hookInputSchema = z
  .object({
    source: z.enum(['alertmanager', 'grafana']),
    name: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores'),
    secret: z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(200)
      .optional()
      .meta({ description: 'Grafana only: HMAC-SHA256 secret' }),
  })
  .strict()
  .refine((body) => body.source === 'grafana' || body.secret === undefined, {
    message: 'only grafana hooks take a secret',
    path: ['secret'],
  });

/** A source as listed (never its token or secret). */
export interface HookView {
  id: string;
  source: AlertSource;
  name: string;
  prefix: string;
  signed: boolean;
  createdAt: string;
  revokedAt: string | null;
}

/** A source resolved from a request's token. */
export interface AuthenticatedHook {
  id: string;
  source: AlertSource;
  name: string;
  secret: string | null;
}

type HookRow = { id: string; source: string; name: string; prefix: string; secret: string | null; createdAt: Date; revokedAt: Date | null };

const view = (row: HookRow): HookView => ({
  id: row.id,
  source: row.source as AlertSource,
  name: row.name,
  prefix: row.prefix,
  signed: row.secret !== null,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** Creates, lists, revokes and authenticates alert sources. */
export class HookTokens {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditLog,
  ) {}

  /** Creates a source; the token is returned once. */
  async create(
    actor: Principal,
    input: { source: AlertSource; name: string; secret?: string | undefined },
  ): Promise<HookView & { token: string }> {
    const token = HOOK_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const existing = await this.prisma.incidentHook.findUnique({ where: { source_name: { source: input.source, name: input.name } } });
    if (existing) throw new ConflictError(`An ${input.source} hook named "${input.name}" already exists`);
    const row = await this.prisma.incidentHook.create({
      data: {
        id: randomUUID(),
        source: input.source,
        name: input.name,
        tokenHash: hashToken(token),
        prefix: token.slice(0, 12),
        secret: input.secret ?? null,
        createdBy: actor.userId || null,
      },
    });
    await this.audit.append({
      action: 'incident.hook.created',
      actorId: actor.userId,
      actorName: actor.userName,
      details: { hookId: row.id, source: row.source, name: row.name, signed: row.secret !== null },
    });
    return { ...view(row), token };
  }

  /** Every source, newest first. */
  async list(): Promise<HookView[]> {
    return (await this.prisma.incidentHook.findMany({ orderBy: { createdAt: 'desc' } })).map(view);
  }

  /** Revokes a source's token. */
  async revoke(actor: Principal, id: string): Promise<HookView> {
    const row = await this.prisma.incidentHook.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('Hook');
    const updated = await this.prisma.incidentHook.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
    await this.audit.append({ action: 'incident.hook.revoked', actorId: actor.userId, actorName: actor.userName, details: { hookId: id } });
    return view(updated);
  }

  /** The live source of `source` holding `token`, or null. */
  async authenticate(source: AlertSource, token: string): Promise<AuthenticatedHook | null> {
    if (!token.startsWith(HOOK_TOKEN_PREFIX) || token.length > 200) return null;
    const row = await this.prisma.incidentHook.findUnique({ where: { tokenHash: hashToken(token) } });
    if (!row || row.revokedAt || row.source !== source) return null;
    return { id: row.id, source: row.source as AlertSource, name: row.name, secret: row.secret };
  }
}
