/**
 * Audit anchors on every backend: a clean chain verifies with its anchors; deleting the
 * newest rows, rewriting a suffix with recomputed hashes, and tampering an anchor line are
 * each reported by GET /api/audit/verify with a reason, although the hash chain alone still
 * verifies. Bad anchor key configuration stops start-up with a clear message.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { AnchorKeyError, loadOrCreateAnchorKey, publicKeyPath } from '../../src/audit/anchor-key.js';
import { AuditAnchorWriter } from '../../src/audit/audit-anchors.js';
import { AuditLog, chainHash, auditRecordFromRow, verifyAuditChain } from '../../src/audit/audit-log.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { startServer } from '../../src/main.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

/** Runs SQL with the append-only trigger off, as a forger with the owner role would. */
async function forge(database: Database, statements: string): Promise<void> {
  await database.sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
    ${statements}
    ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;`);
}

for (const backend of testBackends()) {
  describe(`audit anchors on ${backend.name}`, () => {
    let database: Database;
    let harness: TestApp;
    let dir: string;
    let logPath: string;
    let audit: AuditLog;
    let writer: AuditAnchorWriter;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      database = await backend.open();
      dir = mkdtempSync(path.join(tmpdir(), 'vigie-h15c-anchors-'));
      logPath = path.join(dir, 'audit-anchors.jsonl');
      const key = loadOrCreateAnchorKey(path.join(dir, 'audit-anchor.key'));
      harness = await startTestApp(database, { auditAnchors: { key, logPath } });
      admin = apiClient(harness.url, harness.adminToken);
      audit = new AuditLog(database.sql, 500, pino({ level: 'silent' }));
      writer = new AuditAnchorWriter({
        sql: database.sql,
        key,
        logPath,
        every: 10,
        intervalMs: 3_600_000,
        logger: pino({ level: 'silent' }),
      });
      writer.start(audit);
    });
    after(async () => {
      await writer.stop();
      await harness.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const verify = async () => {
      const response = await admin.get('/api/audit/verify');
      assert.equal(response.status, 200);
      return response.body;
    };

    it('creates the key 0600 with its public key beside it, and verifies a clean chain with its anchors', async () => {
      assert.equal(statSync(path.join(dir, 'audit-anchor.key')).mode & 0o777, 0o600);
      assert.match(readFileSync(publicKeyPath(path.join(dir, 'audit-anchor.key')), 'utf8'), /BEGIN PUBLIC KEY/);
      // Four anchors written by the count (every 10 events), then 5 events not yet anchored.
      for (let index = 0; index < 40; index += 1) {
        await audit.append({ action: 'test.event', arguments: { index } });
        await writer.settled();
      }
      for (let index = 40; index < 45; index += 1) await audit.append({ action: 'test.event', arguments: { index } });
      await audit.flush();
      const result = await verify();
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(result.anchors.problems, []);
      assert.equal(result.anchors.total, 4);
      assert.equal(result.anchors.held, result.anchors.total);
      assert.equal(result.anchors.notYetAnchored, 5);
    });

    it('reports a tampered anchor line (bad signature)', async () => {
      const original = readFileSync(logPath, 'utf8');
      const lines = original.trimEnd().split('\n');
      const first = JSON.parse(lines[0]!);
      lines[0] = JSON.stringify({ ...first, count: first.count + 1 });
      writeFileSync(logPath, `${lines.join('\n')}\nnot json\n`);
      const result = await verify();
      assert.equal(result.ok, false);
      assert.equal(result.anchors.problems.length, 2);
      assert.match(result.anchors.problems[0].reason, /anchor line 1 .*bad signature/);
      assert.match(result.anchors.problems[1].reason, /unreadable \(not JSON\)/);
      writeFileSync(logPath, original);
      assert.equal((await verify()).ok, true);
    });

    it('reports a deleted tail that the hash chain alone does not see', async () => {
      const anchors = readFileSync(logPath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      const cut = BigInt(anchors[anchors.length - 1].id) - 2n;
      const lost = anchors.filter((anchor) => BigInt(anchor.id) >= cut);
      await forge(database, `DELETE FROM audit_events WHERE id >= ${Number(cut)};`);
      assert.equal((await verifyAuditChain(database.prisma)).ok, true, 'the chain alone still verifies');
      const result = await verify();
      assert.equal(result.ok, false);
      assert.deepEqual(
        result.anchors.problems.map((problem: { id: string }) => problem.id),
        lost.map((anchor) => anchor.id),
      );
      for (const problem of result.anchors.problems)
        assert.match(problem.reason, /anchored event \d+ is missing: events at the end of the chain were deleted/);
      // The older anchors still hold; keep them only, so the next test starts from a consistent state.
      const kept = anchors.filter((anchor) => BigInt(anchor.id) < cut);
      assert.ok(kept.length >= 2, `anchors kept: ${kept.length}`);
      writeFileSync(logPath, `${kept.map((anchor) => JSON.stringify(anchor)).join('\n')}\n`);
      assert.equal((await verify()).ok, true);
    });

    it('reports a suffix rewritten with recomputed hashes', async () => {
      const anchors = readFileSync(logPath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      const target = anchors[1];
      const rows = await database.prisma.auditEvent.findMany({ where: { id: { gte: BigInt(target.id) - 4n } }, orderBy: { id: 'asc' } });
      let prevHash = rows[0]!.prevHash;
      const updates: string[] = [];
      for (const [index, row] of rows.entries()) {
        const record = auditRecordFromRow(index === 0 ? { ...row, actorName: 'mallory' } : row);
        const hash = chainHash(prevHash, record);
        updates.push(
          `UPDATE audit_events SET ${index === 0 ? "actor_name = 'mallory', " : ''}prev_hash = '${prevHash}', hash = '${hash}' WHERE id = ${Number(row.id)};`,
        );
        prevHash = hash;
      }
      await forge(database, updates.join('\n'));
      assert.equal((await verifyAuditChain(database.prisma)).ok, true, 'the rewritten chain is internally consistent');
      const result = await verify();
      assert.equal(result.ok, false);
      assert.ok(result.anchors.problems.length >= 1);
      assert.equal(result.anchors.problems[0].id, target.id);
      assert.match(result.anchors.problems[0].reason, /does not have the anchored hash: the chain was rewritten/);
      assert.ok(
        result.anchors.problems.every((problem: { line: number }) => problem.line >= 2),
        'the anchor before the edit still holds',
      );
    });
  });
}

describe('audit anchor key configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigie-h15c-anchor-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an unreadable key path', () => {
    const keyPath = path.join(dir, 'a-directory');
    mkdirSync(keyPath);
    assert.throws(
      () => loadOrCreateAnchorKey(keyPath),
      (error) => error instanceof AnchorKeyError && /cannot read the anchor signing key at .*a-directory/.test(error.message),
    );
  });

  it('refuses a garbage key and a key that is not Ed25519', () => {
    const garbage = path.join(dir, 'garbage.key');
    writeFileSync(garbage, 'not a key at all', { mode: 0o600 });
    assert.throws(
      () => loadOrCreateAnchorKey(garbage),
      (error) => error instanceof AnchorKeyError && /garbage\.key is not a PEM private key/.test(error.message),
    );
    const rsa = path.join(dir, 'rsa.key');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    assert.throws(() => loadOrCreateAnchorKey(rsa), /holds a rsa key, not an Ed25519 key/);
  });

  it('stops start-up with a ConfigError naming AUDIT_ANCHOR_KEY, before opening the database', async () => {
    const config = loadConfig({ DATA_DIR: dir, AUDIT_ANCHOR_KEY: path.join(dir, 'garbage.key'), LOG_LEVEL: 'silent' });
    await assert.rejects(
      startServer(config, pino({ level: 'silent' })),
      (error) => error instanceof ConfigError && /^AUDIT_ANCHOR_KEY: /.test(error.message),
    );
  });

  it('refuses bad AUDIT_ANCHOR_EVERY and AUDIT_ANCHOR_INTERVAL_MS', () => {
    assert.throws(
      () => loadConfig({ AUDIT_ANCHOR_EVERY: '0' }),
      (error) => error instanceof ConfigError && /AUDIT_ANCHOR_EVERY/.test(error.message),
    );
    assert.throws(
      () => loadConfig({ AUDIT_ANCHOR_INTERVAL_MS: 'soon' }),
      (error) => error instanceof ConfigError && /AUDIT_ANCHOR_INTERVAL_MS/.test(error.message),
    );
    const config = loadConfig({ DATA_DIR: dir });
    assert.equal(config.AUDIT_ANCHOR_EVERY, 100);
    assert.equal(config.AUDIT_ANCHOR_INTERVAL_MS, 60_000);
  });
});
