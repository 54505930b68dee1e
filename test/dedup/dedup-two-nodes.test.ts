/**
 * The compose cluster's dedup store: two nodes on one database and one shared atom
 * directory (the `dedup-data` volume). An ingest through node A verifies and restores bit for
 * bit through node B; a node with a private atom directory (the old per-node /data) finds the
 * atoms missing, which is why the volume is shared.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { restoreSnapshot } from '../../src/tools/dedup/restore.js';
import { dedupSettingsFromConfig } from '../../src/tools/dedup/dedup-settings.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { assertSameTree } from './dedup-fixtures.js';

for (const backend of testBackends()) {
  describe(`dedup store shared by two nodes on ${backend.name}`, { timeout: 180_000 }, () => {
    let temporary: string;
    let tree: string;
    let nodeA: TestApp;
    let nodeB: TestApp;
    let loner: TestApp;
    const shared = () => path.join(temporary, 'shared-volume');

    before(async () => {
      temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-dedup-nodes-'));
      tree = path.join(temporary, 'tree');
      fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'etc', 'router.conf'), randomBytes(150_000));
      fs.writeFileSync(path.join(tree, 'notes.md'), '# change window\n');
      const database = await backend.open();
      const config = { DEDUP_FSYNC: false, DEDUP_WORKERS: 2, DEDUP_ALLOWED_ROOTS: temporary };
      nodeA = await startTestApp(database, { config: { ...config, DEDUP_DIR: shared() } });
      nodeB = await startTestApp(database, { config: { ...config, DEDUP_DIR: shared() } });
      loner = await startTestApp(database, { config: { ...config, DEDUP_DIR: path.join(temporary, 'private') } });
    });
    after(async () => {
      await nodeA?.close();
      await nodeB?.close();
      await loner?.close();
      await nodeA?.database.close();
      fs.rmSync(temporary, { recursive: true, force: true });
    });

    it('ingests on node A, verifies and restores on node B', async () => {
      const operatorA = apiClient(nodeA.url, (await nodeA.createUser('operator')).token);
      const started = await operatorA.post('/api/dedup/ingests', { path: tree, snapshot: 'two-nodes' });
      assert.equal(started.status, 202, started.text);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const response = await operatorA.get('/api/dedup/snapshots/two-nodes');
        if (response.status === 200 && response.body.status === 'complete' && !response.body.ingesting) break;
        if (Date.now() > deadline) throw new Error(`ingest did not complete: ${response.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      const operatorB = apiClient(nodeB.url, (await nodeB.createUser('operator')).token);
      const verified = await operatorB.post('/api/dedup/verify', { snapshot: 'two-nodes' });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(verified.body.ok, true, verified.text);
      assert.ok(verified.body.atomsChecked > 0);

      const destination = path.join(temporary, 'restored-on-b');
      await restoreSnapshot(
        nodeB.database,
        { ...dedupSettingsFromConfig({ DEDUP_DIR: shared() })!, workers: 2 },
        { snapshot: 'two-nodes', path: '', destination },
      );
      assertSameTree(tree, destination);
    });

    it('finds the atoms missing from a node with a private atom directory', async () => {
      const operator = apiClient(loner.url, (await loner.createUser('operator')).token);
      const verified = await operator.post('/api/dedup/verify', { snapshot: 'two-nodes' });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(verified.body.ok, false);
      assert.ok(
        (verified.body.issues as { kind: string }[]).some((issue) => issue.kind === 'atom_missing'),
        verified.text,
      );
    });
  });
}
