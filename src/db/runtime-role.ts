/**
 * The runtime role: with MIGRATION_DATABASE_URL (the owner) set beside DATABASE_URL (the
 * runtime), migrations run as the owner and the runtime role is granted exactly what the app
 * needs: read/write on its tables, but only SELECT and INSERT on `audit_events` and nothing
 * that lets it alter the table, disable its append-only trigger or truncate it (those need
 * ownership or superuser). The grants are re-applied after every migration (idempotent), so
 * tables added later are covered and `audit_events` never gains UPDATE or DELETE.
 */
import { ValidationError } from '../errors.js';
import type { SqlQueries } from './sql-runner.js';

const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The GRANT/REVOKE statements for `role` (a plain PostgreSQL identifier, validated here). */
export function runtimeRoleStatements(role: string): string[] {
  if (!ROLE_NAME.test(role))
    throw new ValidationError(
      `runtime role name must be a plain identifier (letters, digits, _), got ${JSON.stringify(role.slice(0, 70))}`,
    );
  const quoted = `"${role}"`;
  return [
    `GRANT USAGE ON SCHEMA public TO ${quoted}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quoted}`,
    `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${quoted}`,
    `REVOKE ALL ON "audit_events" FROM ${quoted}`,
    `GRANT SELECT, INSERT ON "audit_events" TO ${quoted}`,
    `REVOKE ALL ON "_prisma_migrations" FROM ${quoted}`,
    `GRANT SELECT ON "_prisma_migrations" TO ${quoted}`,
  ];
}

/** Applies the grants as the owner (`sql` connected with MIGRATION_DATABASE_URL). */
export async function grantRuntimeRole(sql: SqlQueries, role: string): Promise<void> {
  for (const statement of runtimeRoleStatements(role)) await sql.exec(statement);
}

/** The user name in a postgres URL (percent-decoded), or undefined. */
export function urlUser(url: string): string | undefined {
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user || undefined;
  } catch {
    return undefined;
  }
}

/** Why the connected role could tamper with the audit table (superuser or owner), or null. */
export async function runtimeRoleWarning(sql: SqlQueries): Promise<string | null> {
  const [row] = await sql.query<{ superuser: boolean; owner: boolean }>(
    `SELECT r.rolsuper AS superuser, pg_has_role(current_user, c.relowner, 'USAGE') AS owner
       FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'public.audit_events'::regclass`,
  );
  if (!row) return null;
  if (row.superuser)
    return 'the runtime connects as a superuser: it could disable the audit trigger (set MIGRATION_DATABASE_URL and a restricted DATABASE_URL; see docs/audit.md)';
  if (row.owner)
    return 'the runtime connects as the owner of audit_events: it could disable the audit trigger (set MIGRATION_DATABASE_URL and a restricted DATABASE_URL; see docs/audit.md)';
  return null;
}
