/**
 * /api/users, /api/tokens and /api/me: the admin surface for people and credentials.
 */
import { z } from 'zod';
import {
  identityLinker,
  tokenLister,
  tokenMinter,
  tokenRevoker,
  userCreator,
  userFinder,
  userLister,
  userLocaleOf,
  userLocaleSetter,
  userUpdater,
} from '../../actions/users.js';
import { SUPPORTED_LOCALES } from '../../contracts/i18n.js';
import { roleSchema } from '../../auth/roles.js';
import type { RouteTable } from '../http/route-table.js';
import { idParams } from '../../contracts/common-schemas.js';
import type { RouteContext } from './route-context.js';

const userSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    displayName: z.string().nullable(),
    role: roleSchema,
    disabled: z.boolean(),
    locale: z.enum(SUPPORTED_LOCALES).nullable().meta({ description: "The user's language, used when a channel gives none" }),
    createdAt: z.iso.datetime(),
    identities: z.array(z.object({ provider: z.string(), externalId: z.string(), workspace: z.string() })).optional(),
  })
  .meta({ id: 'User' });

const tokenSchema = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'First characters of the token, to recognise it' }),
    role: roleSchema,
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Token' });

const meSchema = z
  .object({
    userId: z.uuid(),
    userName: z.string(),
    role: roleSchema,
    tokenId: z.uuid().nullable(),
    locale: z.enum(SUPPORTED_LOCALES).nullable(),
  })
  .meta({ id: 'Me' });

const userName = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, . _ - only');

/** Registers admin routes for users and tokens, and /me for everyone. */
export function userRoutes(routes: RouteTable, { database, audit, accessChanges }: RouteContext): void {
  const prisma = database.prisma;
  const actorOf = (principal: { userId: string; userName: string }) => ({ ...principal, channel: 'api' as const });

  routes.add({
    method: 'get',
    path: '/me',
    tag: 'Users',
    summary: 'Who the token belongs to and its effective role',
    success: { status: 200, description: 'The caller', schema: meSchema },
    handler: async ({ principal }) => ({ ...principal, locale: await userLocaleOf(prisma, principal.userId) }),
  });

  routes.add({
    method: 'patch',
    path: '/me',
    tag: 'Users',
    summary: "Set your own profile: your language (`en`, `fr`, or null to follow each channel's)",
    body: z
      .strictObject({
        locale: z
          .enum(SUPPORTED_LOCALES)
          .nullable()
          .meta({ description: 'Used when a channel gives no locale (REST without Accept-Language, a chat platform without one)' }),
      })
      .meta({ id: 'MeUpdate', example: { locale: 'fr' } }),
    success: { status: 200, description: 'The caller with the new profile', schema: meSchema },
    handler: async ({ principal, body }) => {
      const user = await userLocaleSetter(prisma, audit, actorOf(principal), principal.userId, body.locale);
      return { ...principal, locale: user.locale };
    },
  });

  routes.add({
    method: 'get',
    path: '/users',
    tag: 'Users',
    summary: 'List users (admin)',
    minRole: 'admin',
    success: { status: 200, description: 'Users', schema: z.object({ data: z.array(userSchema) }) },
    handler: async () => ({ data: await userLister(prisma) }),
  });

  routes.add({
    method: 'post',
    path: '/users',
    tag: 'Users',
    summary: 'Create a user (admin)',
    minRole: 'admin',
    errors: [409],
    body: z
      .strictObject({ name: userName, displayName: z.string().trim().min(1).max(200).optional(), role: roleSchema.default('viewer') })
      .meta({ id: 'UserCreate', example: { name: 'alice', displayName: 'Alice N.', role: 'operator' } }),
    success: { status: 201, description: 'The new user', schema: userSchema },
    handler: ({ body, principal }) => userCreator(prisma, audit, actorOf(principal), body),
  });

  routes.add({
    method: 'get',
    path: '/users/:id',
    tag: 'Users',
    summary: 'Get one user (admin)',
    minRole: 'admin',
    params: idParams,
    success: { status: 200, description: 'The user', schema: userSchema },
    handler: ({ params }) => userFinder(prisma, params.id),
  });

  routes.add({
    method: 'patch',
    path: '/users/:id',
    tag: 'Users',
    summary: 'Change role, display name or disable a user (admin)',
    minRole: 'admin',
    params: idParams,
    body: z
      .strictObject({
        role: roleSchema.optional(),
        displayName: z.string().trim().min(1).max(200).nullable().optional(),
        disabled: z.boolean().optional(),
      })
      .refine((value) => Object.keys(value).length > 0, { message: 'at least one field is required' })
      .meta({ id: 'UserUpdate', example: { role: 'admin' } }),
    success: { status: 200, description: 'The updated user', schema: userSchema },
    handler: async ({ params, body, principal }) => {
      const user = await userUpdater(prisma, audit, actorOf(principal), params.id, body);
      // Before replying: this node's cache and sockets are cleared synchronously, others via Redis.
      await accessChanges.announce({ kind: 'user', userId: params.id });
      return user;
    },
  });

  routes.add({
    method: 'post',
    path: '/users/:id/identities',
    tag: 'Users',
    summary: 'Link a Slack or Discord account to a user (admin)',
    minRole: 'admin',
    errors: [409],
    params: idParams,
    body: z
      .strictObject({
        provider: z.enum(['slack', 'discord']),
        externalId: z.string().trim().min(1).max(128),
        workspace: z.string().trim().max(128).optional().meta({ description: 'Slack team id or Discord guild id' }),
      })
      .meta({ id: 'IdentityLink', example: { provider: 'slack', externalId: 'U024BE7LH', workspace: 'T024BE7LD' } }),
    success: { status: 201, description: 'The user with its identities', schema: userSchema },
    handler: ({ params, body, principal }) => identityLinker(prisma, audit, actorOf(principal), params.id, body),
  });

  routes.add({
    method: 'post',
    path: '/users/:id/tokens',
    tag: 'Tokens',
    summary: 'Mint a token for a user (admin); the token is shown once',
    minRole: 'admin',
    params: idParams,
    body: z
      .strictObject({
        name: z.string().trim().min(1).max(100),
        role: roleSchema.optional().meta({ description: "Defaults to the user's role; capped at it" }),
        expiresInDays: z.number().int().min(1).max(3650).optional(),
      })
      .meta({ id: 'TokenCreate', example: { name: 'grafana-webhook', role: 'viewer', expiresInDays: 90 } }),
    success: {
      status: 201,
      description: 'The token (only time it is shown) and its metadata',
      schema: z.object({ token: z.string(), info: tokenSchema }).meta({ id: 'MintedToken' }),
    },
    handler: ({ params, body, principal }) => tokenMinter(prisma, audit, actorOf(principal), params.id, body),
  });

  routes.add({
    method: 'get',
    path: '/tokens',
    tag: 'Tokens',
    summary: 'List tokens, metadata only (admin)',
    minRole: 'admin',
    query: z.object({ userId: z.uuid().optional() }),
    success: { status: 200, description: 'Tokens', schema: z.object({ data: z.array(tokenSchema) }) },
    handler: async ({ query }) => ({ data: await tokenLister(prisma, query.userId) }),
  });

  routes.add({
    method: 'delete',
    path: '/tokens/:id',
    tag: 'Tokens',
    summary: 'Revoke a token (admin); takes effect at once on this node, within milliseconds on others (with Redis)',
    minRole: 'admin',
    params: idParams,
    success: { status: 200, description: 'The revoked token', schema: tokenSchema },
    handler: async ({ params, principal }) => {
      const token = await tokenRevoker(prisma, audit, actorOf(principal), params.id);
      await accessChanges.announce({ kind: 'token', tokenId: params.id });
      return token;
    },
  });
}
