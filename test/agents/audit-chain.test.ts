/**
 * The audit trail on every backend: concurrent appends from two writers (two "nodes") form
 * one valid chain; the database refuses UPDATE and DELETE; a row changed by a superuser with
 * the trigger disabled is found by verify, even when the forger recomputes its hash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditLog, chainHash, verifyAuditChain } from '../../src/audit/audit-log.js';
import type { Database } from '../../src/db/database.js';
import { testBackends } from '../support/test-databases.js';

for (const backend of testBackends()) {
  describe(`audit chain on ${backend.name}`, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await database.close();
    });

    it('keeps one valid chain under concurrent appends from two writers', async () => {
      const nodeA = new AuditLog(database.sql);
      const nodeB = new AuditLog(database.sql, 7);
      const appends = Array.from({ length: 100 }, (_, index) =>
        (index % 2 ? nodeA : nodeB).append({ action: 'execution.succeeded', tool: 'system_status', arguments: { index }, channel: 'api' }),
      );
      const stored = await Promise.all(appends);
      assert.equal(new Set(stored.map((record) => record.hash)).size, 100);
      const result = await verifyAuditChain(database.prisma);
      assert.deepEqual(result, { ok: true, checked: 100, firstBrokenId: null });
    });

    it('refuses UPDATE and DELETE through the trigger', async () => {
      await assert.rejects(database.sql.exec(`UPDATE audit_events SET status = 'forged'`), /append-only/);
      await assert.rejects(database.sql.exec('DELETE FROM audit_events'), /append-only/);
      assert.equal((await verifyAuditChain(database.prisma)).ok, true);
    });

    it('finds a row altered by a superuser with the trigger disabled', async () => {
      const rows = await database.sql.query<{ id: string }>(
        'SELECT id::text AS id FROM audit_events ORDER BY audit_events.id LIMIT 1 OFFSET 40',
      );
      const target = rows[0]!.id;
      await database.sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
        UPDATE audit_events SET arguments = '{"index": 999}' WHERE id = ${Number(target)};
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;`);
      const result = await verifyAuditChain(database.prisma);
      assert.equal(result.ok, false);
      assert.equal(result.firstBrokenId, target);
      assert.equal(result.checked, 40);
    });

    it('finds a forged row even when the forger recomputes its hash', async () => {
      const events = await database.prisma.auditEvent.findMany({ orderBy: { id: 'asc' }, skip: 10, take: 2 });
      const [forged, next] = events;
      const { auditRecordFromRow } = await import('../../src/audit/audit-log.js');
      const record = auditRecordFromRow({ ...forged!, actorName: 'mallory' });
      const newHash = chainHash(record.prevHash, record);
      await database.sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
        UPDATE audit_events SET actor_name = 'mallory', hash = '${newHash}' WHERE id = ${Number(forged!.id)};
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;`);
      const result = await verifyAuditChain(database.prisma);
      assert.equal(result.ok, false);
      assert.equal(result.firstBrokenId, next!.id.toString(), 'the next event no longer links to the forged hash');
    });
  });
}
