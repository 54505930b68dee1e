/**
 * Users, their API tokens and their Slack/Discord identities: the admin surface behind
 * /api/users, /api/tokens and the CLI. Every change is written to the audit trail in the same
 * transaction as the change itself (user-writes.ts): both are stored, or neither.
 */
import type { PrismaClient, User } from '../generated/prisma/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { lowerRole, type Role } from '../auth/roles.js';
import { generateToken, hashToken, tokenDisplayPrefix } from '../auth/token-codec.js';
import { resolveLocale, type Locale } from '../contracts/i18n.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { insertIdentity, insertToken, insertUser, isUniqueViolation, revokeToken, updateUser } from './user-writes.js';

/** A user as admins see it. */
export interface UserView {
  id: string;
  name: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  /** The profile's language (`en`/`fr`), used when a channel gives none; null when unset. */
  locale: Locale | null;
  createdAt: string;
  identities?: Array<{ provider: string; externalId: string; workspace: string }>;
}

/** A token's metadata (never the token or its hash). */
export interface TokenView {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

type Actor = Pick<Principal, 'userId' | 'userName'> & { channel?: 'api' | 'cli' | 'system' };

function userView(row: User & { identities?: Array<{ provider: string; externalId: string; workspace: string }> }): UserView {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    role: row.role,
    disabled: row.disabledAt !== null,
    locale: resolveLocale(row.locale) ?? null,
    createdAt: row.createdAt.toISOString(),
    ...(row.identities
      ? { identities: row.identities.map(({ provider, externalId, workspace }) => ({ provider, externalId, workspace })) }
      : {}),
  };
}

function tokenView(row: {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}): TokenView {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Creates a user; names are unique. */
export async function userCreator(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  input: { name: string; displayName?: string | undefined; role: Role },
): Promise<UserView> {
  try {
    const { result: id } = await audit.appendWith(
      (tx) => insertUser(tx, { name: input.name, displayName: input.displayName ?? null, role: input.role }),
      () => [
        {
          action: 'user.created',
          actorId: actor.userId,
          actorName: actor.userName,
          channel: actor.channel ?? 'api',
          arguments: { name: input.name, role: input.role },
        },
      ],
    );
    return userView(await prisma.user.findUniqueOrThrow({ where: { id } }));
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`A user named ${input.name} already exists`);
    throw error;
  }
}

/** Lists users with their external identities. */
export async function userLister(prisma: PrismaClient): Promise<UserView[]> {
  const rows = await prisma.user.findMany({ orderBy: { createdAt: 'asc' }, include: { identities: true } });
  return rows.map(userView);
}

/** Finds a user by id or by name. */
export async function userFinder(prisma: PrismaClient, idOrName: string): Promise<UserView & { id: string }> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
  const row = await prisma.user.findFirst({
    where: isUuid ? { id: idOrName } : { name: idOrName },
    include: { identities: true },
  });
  if (!row) throw new NotFoundError('User');
  return userView(row);
}

/** Changes a user's role, display name or disabled state. */
export async function userUpdater(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  id: string,
  changes: { role?: Role | undefined; displayName?: string | null | undefined; disabled?: boolean | undefined },
): Promise<UserView> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError('User');
  const { result: updated } = await audit.appendWith(
    (tx) => updateUser(tx, id, changes),
    (found) =>
      found
        ? [
            {
              action: 'user.updated',
              actorId: actor.userId,
              actorName: actor.userName,
              channel: actor.channel ?? 'api',
              arguments: { userId: id, ...changes },
            },
          ]
        : [],
  );
  if (!updated) throw new NotFoundError('User');
  return userView(await prisma.user.findUniqueOrThrow({ where: { id }, include: { identities: true } }));
}

/**
 * Sets (or clears, with null) a user's own language: the profile locale is used where a
 * channel gives none (a REST client without Accept-Language, a chat platform without one).
 */
export async function userLocaleSetter(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  id: string,
  locale: Locale | null,
): Promise<UserView> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError('User');
  const { result: updated } = await audit.appendWith(
    (tx) => updateUser(tx, id, { locale }),
    (found) =>
      found
        ? [
            {
              action: 'user.locale_set',
              actorId: actor.userId || null,
              actorName: actor.userName,
              channel: actor.channel ?? 'api',
              arguments: { userId: id, locale },
            },
          ]
        : [],
  );
  if (!updated) throw new NotFoundError('User');
  return userView(await prisma.user.findUniqueOrThrow({ where: { id }, include: { identities: true } }));
}

/** The profile locale of a user (null when unset, unknown or unreadable as a locale). */
export async function userLocaleOf(prisma: PrismaClient, id: string): Promise<Locale | null> {
  const row = await prisma.user.findUnique({ where: { id }, select: { locale: true } });
  return resolveLocale(row?.locale) ?? null;
}

/** Mints a token for a user; the token's role is capped at the user's role. */
export async function tokenMinter(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  userId: string,
  input: { name: string; role?: Role | undefined; expiresInDays?: number | undefined; token?: string | undefined },
): Promise<{ token: string; info: TokenView }> {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw new NotFoundError('User');
  const token = input.token ?? generateToken();
  const role = lowerRole(input.role ?? user.role, user.role);
  const { result: tokenId } = await audit.appendWith(
    (tx) =>
      insertToken(tx, {
        userId,
        name: input.name,
        tokenHash: hashToken(token),
        prefix: tokenDisplayPrefix(token),
        role,
        expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
      }),
    (id) => [
      {
        action: 'token.created',
        actorId: actor.userId,
        actorName: actor.userName,
        channel: actor.channel ?? 'api',
        arguments: { userId, tokenId: id, name: input.name, role },
      },
    ],
  );
  return { token, info: tokenView(await prisma.apiToken.findUniqueOrThrow({ where: { id: tokenId } })) };
}

/** Lists tokens (metadata only), optionally for one user. */
export async function tokenLister(prisma: PrismaClient, userId?: string): Promise<TokenView[]> {
  const rows = await prisma.apiToken.findMany({ where: userId ? { userId } : {}, orderBy: { createdAt: 'asc' } });
  return rows.map(tokenView);
}

/** Revokes a token; revoking twice is harmless. */
export async function tokenRevoker(prisma: PrismaClient, audit: AuditLog, actor: Actor, id: string): Promise<TokenView> {
  const existing = await prisma.apiToken.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError('Token');
  await audit.appendWith(
    (tx) => revokeToken(tx, id),
    () => [
      {
        action: 'token.revoked',
        actorId: actor.userId,
        actorName: actor.userName,
        channel: actor.channel ?? 'api',
        arguments: { tokenId: id },
      },
    ],
  );
  return tokenView(await prisma.apiToken.findUniqueOrThrow({ where: { id } }));
}

/** Links a Slack or Discord account to a user. */
export async function identityLinker(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  userId: string,
  input: { provider: 'slack' | 'discord'; externalId: string; workspace?: string | undefined },
): Promise<UserView> {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw new NotFoundError('User');
  try {
    await audit.appendWith(
      (tx) => insertIdentity(tx, { userId, provider: input.provider, externalId: input.externalId, workspace: input.workspace ?? '' }),
      () => [
        {
          action: 'identity.linked',
          actorId: actor.userId,
          actorName: actor.userName,
          channel: actor.channel ?? 'api',
          arguments: { userId, ...input },
        },
      ],
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`That ${input.provider} account is already linked`);
    throw error;
  }
  return userFinder(prisma, userId);
}

/**
 * First start: with no admin user, creates `admin` and its token (ADMIN_TOKEN if set, else a
 * random one that the caller prints once). With ADMIN_TOKEN set later, makes sure it works.
 */
export async function adminBootstrapper(
  prisma: PrismaClient,
  audit: AuditLog,
  adminToken: string | undefined,
): Promise<{ created: boolean; token?: string }> {
  const system: Actor = { userId: '', userName: 'system', channel: 'system' };
  // No admin yet (a fresh database, or users created by the CLI before the first start).
  const admins = await prisma.user.count({ where: { role: 'admin' } });
  if (admins === 0) {
    let admin: { id: string };
    try {
      const { result: id } = await audit.appendWith(
        (tx) => insertUser(tx, { name: 'admin', displayName: 'Administrator', role: 'admin' }),
        () => [{ action: 'user.created', actorName: 'system', channel: 'system', arguments: { name: 'admin', role: 'admin' } }],
      );
      admin = { id };
    } catch (error) {
      // Another node starting at the same time created it first.
      if (isUniqueViolation(error)) return { created: false };
      throw error;
    }
    try {
      const { token } = await tokenMinter(prisma, audit, { ...system, userId: admin.id }, admin.id, {
        name: 'bootstrap',
        role: 'admin',
        token: adminToken,
      });
      return { created: true, ...(adminToken ? {} : { token }) };
    } catch (error) {
      // Another node starting at the same time saw the admin and registered ADMIN_TOKEN first.
      if (adminToken && isUniqueViolation(error)) return { created: true };
      throw error;
    }
  }
  if (adminToken) {
    const known = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(adminToken) } });
    if (!known) {
      const admin = await prisma.user.findFirst({ where: { role: 'admin', disabledAt: null }, orderBy: { createdAt: 'asc' } });
      if (admin) {
        try {
          await tokenMinter(prisma, audit, { ...system, userId: admin.id }, admin.id, {
            name: 'ADMIN_TOKEN',
            role: 'admin',
            token: adminToken,
          });
        } catch (error) {
          // Another node starting at the same time registered the same ADMIN_TOKEN first.
          if (!isUniqueViolation(error)) throw error;
        }
      }
    }
  }
  return { created: false };
}
