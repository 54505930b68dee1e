/**
 * The data layer on both backends: migrations apply once and are recorded in Prisma's table,
 * an embedded database keeps its data across restarts, and pgvector's HNSW index answers
 * nearest-neighbour queries.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase, openMigratedDatabase } from '../../src/db/database.js';
import { migrate, MIGRATIONS_DIR, readMigrations } from '../../src/db/migrator.js';
import { testBackends } from '../support/test-databases.js';

function vectorLiteral(values: number[]): string {
  return `[${values.join(',')}]`;
}

/** A deterministic 384-dimension unit vector around `seed`. */
function unitVector(seed: number): number[] {
  const values = Array.from({ length: 384 }, (_, index) => Math.sin(seed * 12.9898 + index * 78.233) * 43758.5453 % 1);
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

for (const backend of testBackends()) {
  describe(`data layer on ${backend.name}`, () => {
    it('records every migration once; a second run applies nothing', async () => {
      const database = await backend.open();
      try {
        const files = await readMigrations(MIGRATIONS_DIR);
        const rows = await database.sql.query<{ migration_name: string; checksum: string }>(
          'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
        );
        assert.deepEqual(rows.map((row) => row.migration_name), files.map((file) => file.name));
        assert.deepEqual(rows.map((row) => row.checksum), files.map((file) => file.checksum));
        const again = await migrate(database.sql);
        assert.deepEqual(again.applied, []);
        assert.equal(again.alreadyApplied, files.length);
      } finally {
        await database.close();
      }
    });

    it('applies a new migration atomically and reports a failed one without recording it', async () => {
      const database = await backend.open();
      const directory = await mkdtemp(path.join(tmpdir(), 'vigie-migrations-'));
      try {
        for (const file of await readMigrations(MIGRATIONS_DIR)) {
          await mkdir(path.join(directory, file.name));
          await writeFile(path.join(directory, file.name, 'migration.sql'), file.sql);
        }
        await mkdir(path.join(directory, '29990101000000_good'));
        await writeFile(path.join(directory, '29990101000000_good', 'migration.sql'), 'CREATE TABLE "probe_good" (id int);');
        await mkdir(path.join(directory, '29990102000000_bad'));
        await writeFile(
          path.join(directory, '29990102000000_bad', 'migration.sql'),
          'CREATE TABLE "probe_bad" (id int); SELECT no_such_function();',
        );
        await assert.rejects(migrate(database.sql, directory), /Migration 29990102000000_bad failed/);
        const tables = await database.sql.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'probe_%' ORDER BY 1",
        );
        assert.deepEqual(tables.map((row) => row.table_name), ['probe_good']);
        const recorded = await database.sql.query('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1', ['29990102000000_bad']);
        assert.equal(recorded.length, 0);
        // An applied migration edited afterwards is reported, never re-run.
        await writeFile(path.join(directory, '29990101000000_good', 'migration.sql'), 'CREATE TABLE "probe_good" (id bigint);');
        await rm(path.join(directory, '29990102000000_bad'), { recursive: true });
        const report = await migrate(database.sql, directory);
        assert.deepEqual(report.modified, ['29990101000000_good']);
      } finally {
        await rm(directory, { recursive: true, force: true });
        await database.close();
      }
    });

    it('finds nearest neighbours through the HNSW index', async () => {
      const database = await backend.open();
      try {
        const document = await database.prisma.document.create({
          data: { title: 'vectors', content: 'x', contentHash: '0'.repeat(64) },
        });
        for (let ordinal = 0; ordinal < 200; ordinal += 1) {
          await database.sql.query(
            `INSERT INTO document_chunks (id, document_id, ordinal, content, start_offset, end_offset, embedding, embedding_model)
             VALUES (gen_random_uuid(), $1, $2, $3, 0, 1, $4::vector, 'test')`,
            [document.id, ordinal, `chunk ${ordinal}`, vectorLiteral(unitVector(ordinal))],
          );
        }
        await database.sql.exec('ANALYZE document_chunks');
        const query = vectorLiteral(unitVector(42));
        const nearest = await database.sql.transaction(async (tx) => {
          await tx.exec('SET LOCAL enable_seqscan = off');
          const plan = await tx.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN SELECT id FROM document_chunks ORDER BY embedding <=> '${query}'::vector LIMIT 5`,
          );
          assert.ok(plan.some((row) => row['QUERY PLAN'].includes('document_chunks_embedding_hnsw_idx')), JSON.stringify(plan));
          return tx.query<{ content: string; distance: number }>(
            'SELECT content, embedding <=> $1::vector AS distance FROM document_chunks ORDER BY embedding <=> $1::vector LIMIT 5',
            [query],
          );
        });
        assert.equal(nearest[0]!.content, 'chunk 42');
        assert.ok(Number(nearest[0]!.distance) < 1e-6);
        await assert.rejects(
          database.sql.query('INSERT INTO document_chunks (id, document_id, ordinal, content, start_offset, end_offset, embedding) VALUES (gen_random_uuid(), $1, 999, $2, 0, 1, $3::vector)', [
            document.id,
            'wrong dimension',
            '[1,2,3]',
          ]),
          /dimensions|384/,
        );
      } finally {
        await database.close();
      }
    });

    it('refuses to update or delete audit events', async () => {
      const database = await backend.open();
      try {
        await database.sql.query(
          `INSERT INTO audit_events (action, prev_hash, hash) VALUES ('probe', $1, $2)`,
          ['0'.repeat(64), '1'.repeat(64)],
        );
        await assert.rejects(database.sql.query("UPDATE audit_events SET action = 'forged'"), /append-only/);
        await assert.rejects(database.sql.query('DELETE FROM audit_events'), /append-only/);
        await assert.rejects(database.sql.exec('TRUNCATE audit_events'), /append-only/);
      } finally {
        await database.close();
      }
    });
  });
}

describe('embedded database on disk', () => {
  it('keeps its data across a restart', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'vigie-pglite-'));
    try {
      const first = await openMigratedDatabase({ backend: 'pglite', dataDir: directory });
      await first.database.prisma.user.create({ data: { name: 'persisted', role: 'operator' } });
      await first.database.close();
      const second = await openMigratedDatabase({ backend: 'pglite', dataDir: directory });
      assert.deepEqual(second.migrations?.applied, []);
      const user = await second.database.prisma.user.findUnique({ where: { name: 'persisted' } });
      assert.equal(user?.role, 'operator');
      await second.database.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('fails clearly on an unreachable PostgreSQL', async () => {
    const database = await openDatabase({ backend: 'postgres', url: 'postgresql://nobody@127.0.0.1:1/none', poolSize: 1 });
    await assert.rejects(database.ping(), /ECONNREFUSED|connect/);
    await database.close();
  });
});
