/**
 * Batched changes in the audit group commit (AuditLog.appendBatched, issue 18): many callers'
 * rows in one multi-row statement with their events, on PGlite (in a transaction) and
 * PostgreSQL (the whole batch in one round trip, SqlRunner.script). Two writers ("nodes")
 * interleave, so the one-round-trip batch meets a chain head that moved and falls back; a
 * refused row fails only its caller; values sent as literals survive hostile text.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuditLog, verifyAuditChain, type BatchedChange } from '../../src/audit/audit-log.js';
import { HEAD_MOVED_CODE, inlineParameters, sqlLiteral } from '../../src/audit/audit-statements.js';
import type { Database } from '../../src/db/database.js';
import type { SqlRunner } from '../../src/db/sql-runner.js';
import { testBackends } from '../support/test-databases.js';

interface Probe {
  id: string;
  note: string;
}

/** Rows of a scratch table, one INSERT per batch; `predict` lets the batch go in one round trip. */
const PROBES: BatchedChange<Probe, Probe> = {
  statement: (inputs) => ({
    text: `INSERT INTO batched_probe (id, note) SELECT r.id, r.note FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, note text) RETURNING id::text, note`,
    params: [JSON.stringify(inputs)],
  }),
  results: (rows, inputs) => inputs.map((input) => (rows as Probe[]).find((row) => row.id === input.id)!),
  predict: (input) => input,
};

const HOSTILE = [
  "it's",
  'back\\slash',
  "E'x\\'; DROP TABLE batched_probe; --",
  '$1 $2 $$ $guard$',
  'naïve ☃ 😀 文字',
  '\\u0000 as text',
  '',
  'x'.repeat(20_000),
];

for (const backend of testBackends()) {
  describe(`audit batched changes on ${backend.name}`, { timeout: 60_000 }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
      await database.sql.exec(`CREATE TABLE batched_probe (id uuid PRIMARY KEY, note text NOT NULL CHECK (note <> 'refused'))`);
    });
    after(async () => {
      await database.close();
    });

    it('stores each caller’s row with its events, in one valid chain, while another writer appends', async () => {
      // Counts the one-round-trip batches (PostgreSQL only) and those whose head had moved.
      const scripts = { sent: 0, headMoved: 0 };
      const script = database.sql.script?.bind(database.sql);
      const counted: SqlRunner = {
        ...database.sql,
        transaction: (work, lockKey) => database.sql.transaction(work, lockKey),
        ...(script && {
          script: (statements: string[], lockKey: number) => {
            scripts.sent += 1;
            return script(statements, lockKey).catch((error: { code?: string }) => {
              if (error.code === HEAD_MOVED_CODE) scripts.headMoved += 1;
              throw error;
            });
          },
        }),
      };
      const nodeA = new AuditLog(counted);
      const nodeB = new AuditLog(counted);
      const before = await database.prisma.auditEvent.count();
      const call = (index: number) => {
        if (index % 3 === 2) return nodeB.append({ action: 'test.plain', details: { index } }).then(() => null);
        const probe = { id: randomUUID(), note: `probe ${index}` };
        return (index % 2 ? nodeA : nodeB)
          .appendBatched(PROBES, probe, (row) => [
            { action: 'test.probe_in', details: { id: row.id } },
            { action: 'test.probe_done', details: { note: row.note } },
          ])
          .then(({ result, records }) => ({ probe, result, records }));
      };
      // In waves: after its first batch a writer knows the head, and the other writer moves it.
      const done: Array<{ probe: Probe; result: Probe; records: Array<{ details: unknown }> }> = [];
      for (let wave = 0; wave < 6; wave += 1) {
        const settled = await Promise.all(Array.from({ length: 20 }, (_, index) => call(wave * 20 + index)));
        for (const entry of settled) if (entry) done.push(entry);
      }
      for (const { probe, result, records } of done) {
        assert.deepEqual(result, probe);
        assert.equal(records.length, 2);
        assert.deepEqual(records[0]!.details, { id: probe.id });
      }
      assert.equal(await database.sql.query('SELECT 1 FROM batched_probe').then((rows) => rows.length), done.length);
      assert.equal((await database.prisma.auditEvent.count()) - before, done.length * 2 + 40);
      assert.equal((await verifyAuditChain(database.prisma)).ok, true);
      if (script) assert.ok(scripts.sent > 0, 'batches went in one round trip');
      console.log(`# ${backend.name}: ${scripts.sent} one-round-trip batches, ${scripts.headMoved} found the head moved`);
    });

    it('fails only the caller whose row is refused: its row and events are not stored, the others are', async () => {
      const audit = new AuditLog(database.sql);
      await audit.append({ action: 'test.head_known' }); // the next batch may go in one round trip
      const good = Array.from({ length: 5 }, (_, index) => ({ id: randomUUID(), note: `kept ${index}` }));
      const bad = { id: randomUUID(), note: 'refused' };
      const events = (row: Probe) => [{ action: 'test.refusal_probe', details: { id: row.id } }];
      const results = await Promise.allSettled([...good, bad].map((probe) => audit.appendBatched(PROBES, probe, events)));
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
      );
      assert.match(String((results[5] as PromiseRejectedResult).reason), /check constraint/);
      const stored = await database.sql.query<{ id: string }>('SELECT id::text FROM batched_probe WHERE note <> $1', ['x']);
      assert.ok(!stored.some((row) => row.id === bad.id));
      for (const probe of good) assert.ok(stored.some((row) => row.id === probe.id));
      assert.equal(await database.prisma.auditEvent.count({ where: { action: 'test.refusal_probe' } }), 5);
      assert.equal((await verifyAuditChain(database.prisma)).ok, true);
    });

    it('sends hostile text as literals that read back unchanged, and refuses a NUL (bad input)', async () => {
      for (const text of HOSTILE) {
        const [row] = await database.sql.query<{ value: string }>(`SELECT ${sqlLiteral(text)}::text AS value`);
        assert.equal(row!.value, text);
      }
      const inlined = inlineParameters('SELECT $1::text AS a, $2::text AS b, $3::int AS c, $4::boolean AS d', ['$2', "'$1'", 7, null]);
      const [row] = await database.sql.query<{ a: string; b: string; c: number; d: boolean | null }>(inlined);
      assert.deepEqual({ ...row }, { a: '$2', b: "'$1'", c: 7, d: null });
      assert.throws(() => sqlLiteral('a\u0000b'), /NUL/);
      assert.throws(() => inlineParameters('SELECT $2', ['only one']), /no parameter \$2/);
      assert.throws(() => sqlLiteral(Number.NaN), /finite/);
    });
  });
}
