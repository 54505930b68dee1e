/**
 * The dedup store from the outside on every backend: REST routes over the real app (roles,
 * validation, background ingest polled to completion, queries, verify, delete, gc) and the
 * toolset's `execute` (structured results, progress, errors as data).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../src/auth/principal.js';
import { dedupToolset } from '../../src/tools/dedup/dedup-toolset.js';
import { dedupSettingsFromConfig } from '../../src/tools/dedup/dedup-settings.js';
import type { ToolContext, ToolDefinition } from '../../src/tools/tool-contract.js';
import { loadConfig } from '../../src/config.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

async function waitForSnapshot(client: ReturnType<typeof apiClient>, name: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await client.get(`/api/dedup/snapshots/${name}`);
    if (response.status === 200 && response.body.status === 'complete' && !response.body.ingesting) return response.body;
    if (Date.now() > deadline) throw new Error(`snapshot ${name} did not complete: ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function context(role: Principal['role'], progress: string[] = []): ToolContext {
  return {
    principal: { userId: '00000000-0000-0000-0000-000000000001', userName: 'tester', role, tokenId: null } as unknown as Principal,
    channel: 'console',
    conversationId: null,
    signal: new AbortController().signal,
    traceId: 'trace',
    executionId: 'execution',
    reportProgress: (step) => progress.push(step.message),
  };
}

for (const backend of testBackends()) {
  describe(`dedup API and toolset on ${backend.name}`, { timeout: 180_000 }, () => {
    let harness: TestApp;
    let temporary: string;
    let tree: string;
    let operator: ReturnType<typeof apiClient>;
    let viewer: ReturnType<typeof apiClient>;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-dedup-api-'));
      // Under DATA_DIR/ingest: the default DEDUP_ALLOWED_ROOTS.
      tree = path.join(temporary, 'ingest', 'tree');
      fs.mkdirSync(path.join(tree, 'docs'), { recursive: true });
      const shared = randomBytes(200_000);
      fs.writeFileSync(path.join(tree, 'a.bin'), shared);
      fs.writeFileSync(path.join(tree, 'docs', 'b.bin'), shared);
      fs.writeFileSync(path.join(tree, 'docs', 'readme.md'), '# hello\n');
      harness = await startTestApp(await backend.open(), {
        config: { dataDir: temporary, DEDUP_DIR: path.join(temporary, 'store'), DEDUP_FSYNC: false, DEDUP_WORKERS: 2 },
      });
      operator = apiClient(harness.url, (await harness.createUser('operator')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      admin = apiClient(harness.url, harness.adminToken);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
      fs.rmSync(temporary, { recursive: true, force: true });
    });

    it('ingests over REST and answers the queries', async () => {
      assert.equal((await apiClient(harness.url).get('/api/dedup/stats')).status, 401);
      assert.equal((await viewer.post('/api/dedup/ingests', { path: tree })).status, 403);
      assert.equal((await operator.post('/api/dedup/ingests', { path: path.join(tree, 'nope') })).status, 400);
      // DEDUP_ALLOWED_ROOTS unset: only DATA_DIR/ingest may be read over REST.
      fs.mkdirSync(path.join(temporary, 'outside'), { recursive: true });
      for (const outside of [path.join(temporary, 'outside'), '/etc', path.join(tree, '..', '..', 'outside')]) {
        const refused = await operator.post('/api/dedup/ingests', { path: outside });
        assert.equal(refused.status, 403, outside);
        assert.match(refused.body.error.message, /DEDUP_ALLOWED_ROOTS/);
      }
      assert.equal((await operator.post('/api/dedup/ingests', { path: tree, snapshot: '../evil' })).status, 400);
      assert.equal((await operator.post('/api/dedup/ingests', { path: tree, extra: 1 })).status, 400);
      const started = await operator.post('/api/dedup/ingests', { path: tree, snapshot: 'api-one' });
      assert.equal(started.status, 202, started.text);
      const snapshot = await waitForSnapshot(operator, 'api-one');
      assert.equal(snapshot.fileCount, 3);

      const stats = await viewer.get('/api/dedup/stats?snapshot=api-one');
      assert.equal(stats.status, 200);
      assert.equal(stats.body.files, 3);
      assert.ok(stats.body.dedupRatio > 1.9);
      const top = await viewer.get('/api/dedup/top?limit=1');
      assert.equal(top.body[0].references, 2);
      assert.deepEqual(
        top.body[0].files.map((file: { path: string }) => file.path),
        ['a.bin', 'docs/b.bin'],
      );
      const similar = await viewer.get('/api/dedup/similar?path=a.bin');
      assert.equal(similar.body.similar[0].path, 'docs/b.bin');
      assert.equal((await viewer.get('/api/dedup/similar?path=missing.bin')).status, 404);
      const types = await viewer.get('/api/dedup/breakdown?by=type');
      assert.deepEqual(types.body.rows.map((row: { key: string }) => row.key).sort(), ['bin', 'md']);
      const atom = await viewer.get(`/api/dedup/atoms/${top.body[0].hash.slice(0, 10)}`);
      assert.equal(atom.status, 200);
      assert.equal(atom.body.preview.kind, 'binary');
      assert.equal((await viewer.get('/api/dedup/atoms/xyz')).status, 400);

      fs.writeFileSync(path.join(tree, 'docs', 'readme.md'), '# hello again\n');
      assert.equal((await operator.post('/api/dedup/ingests', { path: tree, snapshot: 'api-two' })).status, 202);
      await waitForSnapshot(operator, 'api-two');
      const diff = await viewer.get('/api/dedup/diff?from=api-one&to=api-two');
      assert.equal(diff.status, 200);
      assert.deepEqual(diff.body.entries, [{ path: 'docs/readme.md', change: 'changed', sizeBefore: 8, sizeAfter: 14 }]);
      assert.equal((await viewer.get('/api/dedup/diff?from=api-one&to=ghost')).status, 404);
      assert.equal((await viewer.get('/api/dedup/diff?from=api-one')).status, 400);

      assert.equal((await viewer.post('/api/dedup/verify', {})).status, 403);
      const verified = await operator.post('/api/dedup/verify', {});
      assert.equal(verified.body.ok, true);
      assert.equal((await operator.delete('/api/dedup/snapshots/api-one')).status, 403);
      assert.equal((await admin.delete('/api/dedup/snapshots/api-one')).status, 200);
      const gc = await admin.post('/api/dedup/gc', {});
      assert.equal(gc.status, 200);
      assert.equal(gc.body.atomsRemoved, 1);
      assert.equal((await operator.post('/api/dedup/verify', {})).body.ok, true);
      const openapi = await apiClient(harness.url).get('/openapi.json');
      assert.ok(openapi.body.paths['/api/dedup/stats'].get);
      assert.ok(openapi.body.paths['/api/dedup/snapshots/{name}'].delete.responses['403']);
      const metrics = await harness.app.metrics.metrics();
      assert.match(metrics, /vigie_dedup_queries_total\{query="stats"\} 1/);
    });

    it('runs the tools: dedup_query reads, dedup_ingest mutates with progress, errors are data', async () => {
      const settings = {
        ...dedupSettingsFromConfig({ DEDUP_DIR: path.join(temporary, 'tool-store'), dataDir: temporary })!,
        workers: 2,
        fsync: false,
      };
      const toolset = dedupToolset({ config: loadConfig({ DATA_DIR: temporary }), database: harness.database }, settings);
      const tool = (name: string) => toolset.tools.find((candidate) => candidate.name === name) as ToolDefinition;
      assert.equal(tool('dedup_query').risk, 'read');
      assert.equal(tool('dedup_ingest').risk, 'mutate');
      assert.deepEqual(tool('dedup_query').positional, ['query', 'subject', 'other']);
      assert.equal((await toolset.checkPrerequisites()).ok, true);

      const progress: string[] = [];
      const ingestInput = tool('dedup_ingest').inputSchema.parse({ path: tree, snapshot: 'tool-one' });
      const ingested = await tool('dedup_ingest').execute(ingestInput, context('operator', progress));
      assert.equal(ingested.status, 'success', JSON.stringify(ingested));
      assert.ok(progress.some((message) => message.startsWith('tool-one:')));

      const run = (input: Record<string, unknown>) =>
        tool('dedup_query').execute(tool('dedup_query').inputSchema.parse(input), context('viewer'));
      const stats = await run({ query: 'stats' });
      assert.equal(stats.status, 'success');
      assert.ok((stats.data as { files: number }).files >= 3);
      const similar = await run({ query: 'similar', subject: 'docs/b.bin', snapshot: 'tool-one' });
      assert.equal((similar.data as { similar: Array<{ path: string }> }).similar[0]!.path, 'a.bin');
      const diff = await run({ query: 'diff', subject: 'api-two', other: 'tool-one' });
      assert.equal(diff.status, 'success');
      assert.equal((await run({ query: 'top-atoms' })).status, 'success');
      const missing = await run({ query: 'similar' });
      assert.deepEqual(missing.status, 'error');
      assert.match(missing.error!.message, /file path/);
      assert.equal((await run({ query: 'diff', subject: 'api-two', other: 'ghost' })).error!.code, 'not_found');
      assert.throws(() => tool('dedup_query').inputSchema.parse({ query: 'drop tables' }));
      const badIngest = await tool('dedup_ingest').execute(
        tool('dedup_ingest').inputSchema.parse({ path: path.join(tree, 'a.bin') }),
        context('operator'),
      );
      assert.equal(badIngest.status, 'error');
      assert.match(badIngest.error!.message, /not a directory/);

      // DEDUP_ALLOWED_ROOTS bounds what chat may ingest, links resolved.
      const fenced = dedupToolset(
        { config: loadConfig({ DATA_DIR: temporary }), database: harness.database },
        { ...settings, allowedRoots: [path.join(tree, 'docs')] },
      );
      const fencedIngest = fenced.tools.find((candidate) => candidate.name === 'dedup_ingest')!;
      const outside = await fencedIngest.execute(fencedIngest.inputSchema.parse({ path: tree }), context('operator'));
      assert.equal(outside.error?.code, 'forbidden');
      fs.symlinkSync(tree, path.join(tree, 'docs', 'escape'));
      const escaped = await fencedIngest.execute(
        fencedIngest.inputSchema.parse({ path: path.join(tree, 'docs', 'escape') }),
        context('operator'),
      );
      assert.equal(escaped.error?.code, 'forbidden');
      fs.rmSync(path.join(tree, 'docs', 'escape'));
    });
  });
}
