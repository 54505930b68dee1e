/**
 * The runtime role (PostgreSQL): a fresh private database is migrated as the owner
 * (MIGRATION_DATABASE_URL, here the test server's superuser) and the app runs as a new
 * non-superuser role, granted by the migration. The app works (a command, its audit events,
 * verify ok), and the runtime role's attempts to tamper with the audit table are refused:
 * UPDATE, DELETE, TRUNCATE, ALTER TABLE … DISABLE TRIGGER, DROP TRIGGER, changing the owner
 * and session_replication_role = replica (which would skip triggers).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openMigratedDatabase, type Database } from '../../src/db/database.js';
import { runtimeRoleStatements, runtimeRoleWarning, urlUser } from '../../src/db/runtime-role.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const baseUrl = process.env.DATABASE_URL;

async function administer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('runtime role', () => {
  it('validates the role name before any statement is built', () => {
    for (const bad of ['', 'a"; DROP TABLE x; --', 'vigie app', 'x'.repeat(64), 'a\u0000b', 'é'])
      assert.throws(() => runtimeRoleStatements(bad), /plain identifier/);
    assert.ok(
      runtimeRoleStatements('vigie_app').some((statement) => statement === 'GRANT SELECT, INSERT ON "audit_events" TO "vigie_app"'),
    );
    assert.equal(urlUser('postgresql://vigie%5Fapp:pw@127.0.0.1:5432/db'), 'vigie_app');
    assert.equal(urlUser('not a url'), undefined);
  });
});

describe('runtime role on PostgreSQL', { skip: baseUrl ? false : 'DATABASE_URL not set', timeout: 180_000 }, () => {
  const suffix = randomBytes(5).toString('hex');
  const name = `vigie_rt_${suffix}`;
  const role = `vigie_rt_app_${suffix}`;
  const password = randomBytes(12).toString('hex');
  let ownerUrl: string;
  let runtimeUrl: string;
  let database: Database;
  let harness: TestApp;

  before(async () => {
    await administer(baseUrl!, `CREATE DATABASE ${name}`);
    await administer(baseUrl!, `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
    const owner = new URL(baseUrl!);
    owner.pathname = `/${name}`;
    ownerUrl = owner.toString();
    const runtime = new URL(ownerUrl);
    runtime.username = role;
    runtime.password = password;
    runtimeUrl = runtime.toString();
    database = (await openMigratedDatabase({ backend: 'postgres', url: runtimeUrl, poolSize: 3 }, true, ownerUrl)).database;
    harness = await startTestApp(database);
  });
  after(async () => {
    await harness?.close();
    await database?.close();
    await administer(baseUrl!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await administer(baseUrl!, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  });

  it('runs the app as the runtime role, which can append and read audit events but not tamper with them', async () => {
    const [me] = await database.sql.query<{
      name: string;
      superuser: boolean;
    }>('SELECT current_user AS name, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser');
    assert.deepEqual(me, { name: role, superuser: false });
    assert.equal(await runtimeRoleWarning(database.sql), null);
    const viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
    const command = await viewer.post('/api/commands', { text: 'status' });
    assert.equal(command.status, 200, command.text);
    await harness.app.context.audit.flush();
    const verify = await apiClient(harness.url, harness.adminToken).get('/api/audit/verify');
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.body.ok, true, verify.text);
    const before = Number((await database.sql.query<{ count: string }>('SELECT count(*) AS count FROM audit_events'))[0]!.count);
    assert.ok(before > 0);

    const refused: Record<string, string> = {};
    for (const statement of [
      `UPDATE audit_events SET actor_name = 'forged'`,
      'DELETE FROM audit_events',
      'TRUNCATE audit_events',
      'ALTER TABLE audit_events DISABLE TRIGGER ALL',
      'ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only',
      'DROP TRIGGER audit_events_append_only ON audit_events',
      `ALTER TABLE audit_events OWNER TO ${role}`,
      'DROP TABLE audit_events',
      "SET session_replication_role = 'replica'",
      'DROP FUNCTION audit_events_refuse_change() CASCADE',
    ]) {
      const outcome = await database.sql.exec(statement).then(
        () => 'accepted',
        (error: { code?: string; cause?: { code?: string }; message: string }) => error.code ?? error.cause?.code ?? error.message,
      );
      refused[statement] = outcome;
    }
    for (const [statement, outcome] of Object.entries(refused)) assert.equal(outcome, '42501', `${statement}: ${outcome}`);
    const after = Number((await database.sql.query<{ count: string }>('SELECT count(*) AS count FROM audit_events'))[0]!.count);
    assert.equal(after, before, 'nothing changed');
    console.log(
      JSON.stringify({
        runtimeRole: {
          role,
          tamperingStatementsRefused: Object.keys(refused).length,
          auditEvents: after,
        },
      }),
    );
  });

  it('warns when the runtime connects as the owner or a superuser', async () => {
    const owner = (await openMigratedDatabase({ backend: 'postgres', url: ownerUrl, poolSize: 1 }, false)).database;
    try {
      assert.match((await runtimeRoleWarning(owner.sql)) ?? '', /superuser|owner/);
    } finally {
      await owner.close();
    }
  });
});
