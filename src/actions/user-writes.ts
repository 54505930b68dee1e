/**
 * The user, token and identity writes as single SQL statements, so each runs inside the audit
 * transaction that records it (AuditLog.appendWith): the change and its event commit together
 * or not at all. Rows are read back through Prisma afterwards, for the views.
 */
import type { SqlQueries } from '../db/sql-runner.js';
import { uuidV7 } from '../db/uuid-v7.js';
import type { Role } from '../auth/roles.js';

/** A unique constraint refused the write (Prisma's P2002, or PostgreSQL's 23505 from the driver). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'P2002' || code === '23505';
}

/** Inserts a user; returns its id. */
export async function insertUser(tx: SqlQueries, input: { name: string; displayName: string | null; role: Role }): Promise<string> {
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO users (id, name, display_name, role, created_at, updated_at) VALUES ($1::uuid, $2, $3, $4::"Role", now(), now()) RETURNING id::text`,
    [uuidV7(), input.name, input.displayName, input.role],
  );
  return row!.id;
}

/** The user columns an update may set. */
export interface UserChanges {
  role?: Role | undefined;
  displayName?: string | null | undefined;
  disabled?: boolean | undefined;
  locale?: string | null | undefined;
}

/** Updates a user; false when there is no such user. */
export async function updateUser(tx: SqlQueries, id: string, changes: UserChanges): Promise<boolean> {
  const params: unknown[] = [id];
  const sets: string[] = [];
  const set = (clause: string, value: unknown) => {
    params.push(value);
    sets.push(clause.replace('$N', `$${params.length}`));
  };
  if (changes.role) set('role = $N::"Role"', changes.role);
  if (changes.displayName !== undefined) set('display_name = $N', changes.displayName);
  if (changes.disabled !== undefined) sets.push(changes.disabled ? 'disabled_at = now()' : 'disabled_at = NULL');
  if (changes.locale !== undefined) set('locale = $N', changes.locale);
  sets.push('updated_at = now()');
  const rows = await tx.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1::uuid RETURNING id`, params);
  return rows.length > 0;
}

/** Inserts an API token; returns its id. */
export async function insertToken(
  tx: SqlQueries,
  input: { userId: string; name: string; tokenHash: string; prefix: string; role: Role; expiresAt: Date | null },
): Promise<string> {
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, role, expires_at, created_at)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::"Role", $7::timestamptz, now()) RETURNING id::text`,
    [uuidV7(), input.userId, input.name, input.tokenHash, input.prefix, input.role, input.expiresAt],
  );
  return row!.id;
}

/** Marks a token revoked (a revoked token keeps its first revocation time). */
export async function revokeToken(tx: SqlQueries, id: string): Promise<void> {
  await tx.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1::uuid AND revoked_at IS NULL', [id]);
}

/** Links an external identity to a user. */
export async function insertIdentity(
  tx: SqlQueries,
  input: { userId: string; provider: 'slack' | 'discord'; externalId: string; workspace: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO external_identities (id, user_id, provider, external_id, workspace, created_at)
     VALUES ($1::uuid, $2::uuid, $3::"IdentityProvider", $4, $5, now())`,
    [uuidV7(), input.userId, input.provider, input.externalId, input.workspace],
  );
}
