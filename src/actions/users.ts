/**
 * Users, their API tokens and their Slack/Discord identities: the admin surface behind
 * /api/users, /api/tokens and the CLI. Every change is written to the audit trail.
 */
import type { PrismaClient, User } from '../generated/prisma/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { lowerRole, type Role } from '../auth/roles.js';
import { generateToken, hashToken, tokenDisplayPrefix } from '../auth/token-codec.js';
import { resolveLocale, type Locale } from '../contracts/i18n.js';
import { ConflictError, NotFoundError } from '../errors.js';

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

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

/** Creates a user; names are unique. */
export async function userCreator(
  prisma: PrismaClient,
  audit: AuditLog,
  actor: Actor,
  input: { name: string; displayName?: string | undefined; role: Role },
): Promise<UserView> {
  try {
    const row = await prisma.user.create({ data: { name: input.name, displayName: input.displayName ?? null, role: input.role } });
    await audit.append({
      action: 'user.created',
      actorId: actor.userId,
      actorName: actor.userName,
      channel: actor.channel ?? 'api',
      arguments: { name: input.name, role: input.role },
    });
    return userView(row);
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
  const row = await prisma.user.update({
    where: { id },
    data: {
      ...(changes.role ? { role: changes.role } : {}),
      ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
      ...(changes.disabled !== undefined ? { disabledAt: changes.disabled ? new Date() : null } : {}),
    },
    include: { identities: true },
  });
  await audit.append({
    action: 'user.updated',
    actorId: actor.userId,
    actorName: actor.userName,
    channel: actor.channel ?? 'api',
    arguments: { userId: id, ...changes },
  });
  return userView(row);
}

/**
 * Sets (or clears, with null) a user's own language: the profile locale is used where a
 * channel gives none (a REST client without Accept-Language, a chat platform without one).
 */
export async function userLocaleSetter(prisma: PrismaClient, audit: AuditLog, actor: Actor, id: string, locale: Locale | null): Promise<UserView> {
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError('User');
  const row = await prisma.user.update({ where: { id }, data: { locale }, include: { identities: true } });
  await audit.append({
    action: 'user.locale_set',
    actorId: actor.userId || null,
    actorName: actor.userName,
    channel: actor.channel ?? 'api',
    arguments: { userId: id, locale },
  });
  return userView(row);
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
  const row = await prisma.apiToken.create({
    data: {
      userId,
      name: input.name,
      tokenHash: hashToken(token),
      prefix: tokenDisplayPrefix(token),
      role: lowerRole(input.role ?? user.role, user.role),
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    },
  });
  await audit.append({
    action: 'token.created',
    actorId: actor.userId,
    actorName: actor.userName,
    channel: actor.channel ?? 'api',
    arguments: { userId, tokenId: row.id, name: input.name, role: row.role },
  });
  return { token, info: tokenView(row) };
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
  const row = existing.revokedAt ? existing : await prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await audit.append({
    action: 'token.revoked',
    actorId: actor.userId,
    actorName: actor.userName,
    channel: actor.channel ?? 'api',
    arguments: { tokenId: id },
  });
  return tokenView(row);
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
    await prisma.externalIdentity.create({
      data: { userId, provider: input.provider, externalId: input.externalId, workspace: input.workspace ?? '' },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`That ${input.provider} account is already linked`);
    throw error;
  }
  await audit.append({
    action: 'identity.linked',
    actorId: actor.userId,
    actorName: actor.userName,
    channel: actor.channel ?? 'api',
    arguments: { userId, ...input },
  });
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
    let admin;
    try {
      admin = await prisma.user.create({ data: { name: 'admin', displayName: 'Administrator', role: 'admin' } });
    } catch (error) {
      // Another node starting at the same time created it first.
      if (isUniqueViolation(error)) return { created: false };
      throw error;
    }
    await audit.append({ action: 'user.created', actorName: 'system', channel: 'system', arguments: { name: 'admin', role: 'admin' } });
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
          await tokenMinter(prisma, audit, { ...system, userId: admin.id }, admin.id, { name: 'ADMIN_TOKEN', role: 'admin', token: adminToken });
        } catch (error) {
          // Another node starting at the same time registered the same ADMIN_TOKEN first.
          if (!isUniqueViolation(error)) throw error;
        }
      }
    }
  }
  return { created: false };
}
