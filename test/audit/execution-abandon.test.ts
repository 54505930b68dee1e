/**
 * Executions never stay `running`, on every backend: rows left running by a node that died
 * (simulated by inserting them) are failed with an `execution.abandoned` audit event by the
 * sweep a restarted node runs at start-up once their tool's timeout plus the grace has
 * passed; younger rows are left alone until the periodic sweep finds them past it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { verifyAuditChain } from '../../src/audit/audit-log.js';
import type { Database } from '../../src/db/database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const GRACE_MS = 1_000;

async function runningRow(database: Database, requesterId: string, tool: string, startedAt: Date): Promise<string> {
  const row = await database.prisma.execution.create({
    data: {
      tool,
      toolset: 'core',
      riskLevel: 'read',
      status: 'running',
      startedAt,
      requesterId,
      requesterName: 'crashed-node',
      traceId: randomUUID(),
    },
  });
  return row.id;
}

for (const backend of testBackends()) {
  describe(`abandoned executions on ${backend.name}`, { timeout: 60_000 }, () => {
    let database: Database;
    let harness: TestApp | undefined;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await harness?.close();
      await database.close();
    });

    it('fails rows left running by a crashed node at start-up, and younger ones once past their deadline', async () => {
      const crashed = await startTestApp(database);
      const user = await crashed.createUser('viewer');
      const old = new Date(Date.now() - 10 * 60_000);
      const stale = await runningRow(database, user.id, 'system_status', old);
      const orphan = await runningRow(database, user.id, 'tool_that_was_removed', old);
      const young = await runningRow(database, user.id, 'system_status', new Date());
      await crashed.close(); // the "crash"; its rows stay running

      harness = await startTestApp(database, { tools: { abandonGraceMs: GRACE_MS } });
      await harness.app.tools.start(); // resolves after the start-up sweep
      const status = async (id: string) => (await database.prisma.execution.findUniqueOrThrow({ where: { id } })).status;
      assert.equal(await status(stale), 'failed');
      assert.equal(await status(orphan), 'failed');
      assert.equal(await status(young), 'running', 'still inside its timeout + grace');
      const events = await database.prisma.auditEvent.findMany({ where: { action: 'execution.abandoned' }, orderBy: { id: 'asc' } });
      assert.deepEqual(events.map((event) => event.executionId).sort(), [stale, orphan].sort());
      assert.equal(events[0]!.status, 'failed');
      const result = (await database.prisma.execution.findUniqueOrThrow({ where: { id: stale } })).result as { error: { code: string } };
      assert.equal(result.error.code, 'abandoned');

      // The periodic sweep on a clock past the young row's timeout + grace.
      const later = await startTestApp(database, { tools: { abandonGraceMs: GRACE_MS, now: () => new Date(Date.now() + 10 * 60_000) } });
      try {
        await later.app.tools.start();
        assert.equal(await later.app.tools.executions.sweepAbandoned(), 0, 'the start-up sweep already took it');
      } finally {
        await later.close();
      }
      assert.equal(await status(young), 'failed');
      assert.equal(await database.prisma.execution.count({ where: { status: 'running' } }), 0);
      assert.equal(
        await database.prisma.auditEvent.count({ where: { action: 'execution.abandoned' } }),
        3,
        'one event per execution, never two',
      );
      assert.equal((await verifyAuditChain(database.prisma)).ok, true);
    });
  });
}
