/**
 * Audit events are written in the same transaction as the change they record, on PGlite and
 * PostgreSQL: when the audit write fails (forced here by a driver that refuses the audit
 * INSERT) or the change itself fails, neither the change nor the event is stored. Checked on
 * the AuditLog itself, on user and token changes, and on execution transitions (approve,
 * deny, the first insert), with the chain still valid afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditLog, verifyAuditChain } from '../../src/audit/audit-log.js';
import { tokenMinter, userCreator, userUpdater } from '../../src/actions/users.js';
import { insertUser } from '../../src/actions/user-writes.js';
import type { Database } from '../../src/db/database.js';
import type { SqlQueries, SqlRunner } from '../../src/db/sql-runner.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { testOpsToolset, type ToolCalls } from '../agents/support/test-toolsets.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

/** A runner over `sql` whose audit INSERTs fail while `fault.on` is set (a constraint error, not an outage). */
function faultyRunner(sql: SqlRunner, fault: { on: boolean }): SqlRunner {
  const wrap = (queries: SqlQueries): SqlQueries => ({
    exec: (text) => queries.exec(text),
    query: async <Row>(text: string, params?: unknown[]) => {
      if (fault.on && text.includes('INSERT INTO audit_events')) throw Object.assign(new Error('forced audit failure'), { code: '23514' });
      return queries.query<Row>(text, params);
    },
  });
  return { ...wrap(sql), transaction: (work, lockKey) => sql.transaction((tx) => work(wrap(tx)), lockKey) };
}

for (const backend of testBackends()) {
  describe(`audit in the same transaction on ${backend.name}`, { timeout: 60_000 }, () => {
    const fault = { on: false };
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    let database: Database;
    let harness: TestApp;
    let audit: AuditLog;
    const actor = { userId: '', userName: 'tester', channel: 'cli' as const };

    before(async () => {
      database = await backend.open();
      const faulty = { ...database, sql: faultyRunner(database.sql, fault) };
      harness = await startTestApp(faulty, { tools: { toolsets: [coreToolset(faulty), testOpsToolset(calls)] } });
      await harness.app.tools.start();
      audit = new AuditLog(faultyRunner(database.sql, fault));
    });
    after(async () => {
      fault.on = false;
      await harness.close();
      await database.close();
    });

    const events = (action: string) => database.prisma.auditEvent.count({ where: { action } });

    it('a failed audit write rolls the change back (AuditLog.appendWith)', async () => {
      fault.on = true;
      await assert.rejects(
        audit.appendWith(
          (tx) => insertUser(tx, { name: 'ghost-audit', displayName: null, role: 'viewer' }),
          () => [{ action: 'test.ghost' }],
        ),
        /forced audit failure/,
      );
      fault.on = false;
      assert.equal(await database.prisma.user.count({ where: { name: 'ghost-audit' } }), 0);
      assert.equal(await events('test.ghost'), 0);
    });

    it('a failed change stores no event, and the other appends of its batch still commit', async () => {
      const doomed = audit.appendWith(
        async (tx) => {
          await insertUser(tx, { name: 'ghost-change', displayName: null, role: 'viewer' });
          throw new Error('change refused');
        },
        () => [{ action: 'test.ghost_change' }],
      );
      const innocent = audit.append({ action: 'test.innocent' });
      await assert.rejects(doomed, /change refused/);
      await innocent;
      assert.equal(await database.prisma.user.count({ where: { name: 'ghost-change' } }), 0);
      assert.equal(await events('test.ghost_change'), 0);
      assert.equal(await events('test.innocent'), 1);
    });

    it('user and token changes: a failed audit write leaves neither the change nor the event', async () => {
      const before = await events('user.created');
      fault.on = true;
      await assert.rejects(userCreator(database.prisma, audit, actor, { name: 'rolled-back', role: 'viewer' }));
      fault.on = false;
      assert.equal(await database.prisma.user.count({ where: { name: 'rolled-back' } }), 0);
      assert.equal(await events('user.created'), before);

      const user = await userCreator(database.prisma, audit, actor, { name: 'kept-viewer', role: 'viewer' });
      const [updates, tokens] = [await events('user.updated'), await events('token.created')];
      fault.on = true;
      await assert.rejects(userUpdater(database.prisma, audit, actor, user.id, { role: 'admin' }));
      await assert.rejects(tokenMinter(database.prisma, audit, actor, user.id, { name: 'never' }));
      fault.on = false;
      assert.equal((await database.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role, 'viewer');
      assert.equal(await database.prisma.apiToken.count({ where: { userId: user.id } }), 0);
      assert.equal(await events('user.updated'), updates);
      assert.equal(await events('token.created'), tokens);
      const minted = await tokenMinter(database.prisma, audit, actor, user.id, { name: 'kept' });
      assert.equal(minted.info.role, 'viewer');
      assert.equal(await events('token.created'), tokens + 1);
    });

    it('execution transitions: a failed audit write leaves the execution pending and unrecorded', async () => {
      const alice = apiClient(harness.url, (await harness.createUser('operator')).token);
      const bob = apiClient(harness.url, (await harness.createUser('operator')).token);
      const proposed = await alice.post('/api/commands', { text: 'restart nginx' });
      assert.equal(proposed.status, 202, proposed.text);
      const id = proposed.body.id;
      fault.on = true;
      assert.equal((await bob.post(`/api/executions/${id}/approve`)).status, 500);
      assert.equal((await bob.post(`/api/executions/${id}/deny`, { reason: 'no' })).status, 500);
      const refusedInsert = await alice.post('/api/commands', { text: 'restart apache' });
      fault.on = false;
      assert.equal(refusedInsert.status, 500);
      assert.equal(
        await database.prisma.execution.count({ where: { tool: 'restart_service', arguments: { equals: { service: 'apache' } } } }),
        0,
        'no row without its proposed event',
      );
      const row = await database.prisma.execution.findUniqueOrThrow({ where: { id } });
      assert.equal(row.status, 'pending_approval');
      assert.equal(row.approverId, null);
      assert.equal(await database.prisma.auditEvent.count({ where: { executionId: id } }), 1, 'only "proposed"');
      assert.deepEqual(calls.restarts, []);

      const approved = await bob.post(`/api/executions/${id}/approve`);
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.status, 'succeeded');
      const stages = await database.prisma.auditEvent.findMany({ where: { executionId: id }, orderBy: { id: 'asc' } });
      assert.deepEqual(
        stages.map((event) => event.action),
        ['execution.proposed', 'execution.approved', 'execution.started', 'execution.succeeded'],
      );
      assert.equal((await verifyAuditChain(database.prisma)).ok, true);
    });
  });
}
