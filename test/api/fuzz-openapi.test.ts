/**
 * REST fuzz: thousands of hostile requests generated from /openapi.json over every
 * operation (see test/support/openapi-fuzz.ts), as an admin and as a viewer. No request may
 * answer 5xx, and the server must still serve normal traffic afterwards.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { apiClient } from '../support/http-client.js';
import { casesFor, operationsOf, prng, randomCases, rawRequest, type FuzzCase } from '../support/openapi-fuzz.js';

const MIN_REQUESTS = 5_000;
const PARALLEL = 8;

for (const backend of testBackends()) {
  describe(`REST fuzz from /openapi.json on ${backend.name}`, () => {
    let harness: TestApp;
    let dataDir: string;

    before(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigie-fuzz-'));
      mkdirSync(path.join(dataDir, 'ingest'), { recursive: true });
      harness = await startTestApp(await backend.open(), {
        config: {
          dataDir,
          DEDUP_ALLOWED_ROOTS: path.join(dataDir, 'ingest'),
          NET_ALLOWED_TARGETS: '127.0.0.0/8',
          NET_MAX_RUN_MS: 1_000,
          NET_RATE_LIMIT_PER_MINUTE: 10_000,
        },
      });
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it(`answers at least ${MIN_REQUESTS} hostile requests over every operation without a 5xx`, async (t) => {
      const document = (await (await fetch(`${harness.url}/openapi.json`)).json()) as Record<string, any>;
      const operations = operationsOf(document);
      assert.ok(operations.length >= 40, `expected the whole API, found ${operations.length} operations`);
      const cases: FuzzCase[] = operations.flatMap((operation) => casesFor(document, operation));
      cases.forEach((fuzzCase, index) => {
        if (index % 5 === 0) fuzzCase.asViewer = true;
      });
      cases.push(...randomCases(document, operations, Math.max(500, MIN_REQUESTS + 200 - cases.length), prng(15)));
      const viewer = await harness.createUser('viewer');
      const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const covered = new Set<string>();
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const index = next++;
          const fuzzCase = cases[index]!;
          if (process.env.FUZZ_PROGRESS && index % 500 === 0)
            console.error(`fuzz ${backend.name}: ${index}/${cases.length} ${fuzzCase.label.slice(0, 80)}`);
          let status: number;
          let text = '';
          try {
            ({ status, text } = await rawRequest(harness.url, fuzzCase.asViewer ? viewer.token : harness.adminToken, fuzzCase, agent));
          } catch (error) {
            // The server may close a connection on an oversized upload; that is not a 5xx, but it must stay rare.
            status = -1;
            text = (error as Error).message;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          covered.add(fuzzCase.label.split(' ').slice(0, 2).join(' '));
          if (status >= 500 || status === -1) failures.push(`${fuzzCase.label} → ${status} ${text.slice(0, 200)}`);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      agent.destroy();
      const summary = {
        requests: cases.length,
        operations: operations.length,
        covered: covered.size,
        statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
      };
      t.diagnostic(`fuzz summary ${backend.name}: ${JSON.stringify(summary)}`);
      console.log(`fuzz summary ${backend.name}: ${JSON.stringify(summary)}`);
      assert.ok(cases.length >= MIN_REQUESTS, `only ${cases.length} requests`);
      assert.equal(covered.size, operations.length, 'every operation was fuzzed');
      assert.deepEqual(failures.slice(0, 30), [], `${failures.length} requests answered 5xx or dropped the connection`);

      // Still healthy: health, authentication and a normal write all work.
      const health = await fetch(`${harness.url}/health`);
      assert.equal(health.status, 200);
      const admin = apiClient(harness.url, harness.adminToken);
      assert.equal((await admin.get('/api/me')).status, 200);
      const created = await admin.post('/api/conversations', { title: 'after the fuzz' });
      assert.equal(created.status, 201);
    });

    it('names the field refused for NUL and lone surrogates, maps bad percent-encoding and encodings', async () => {
      const admin = apiClient(harness.url, harness.adminToken);
      const nul = await admin.post('/api/conversations', { title: 'a\u0000b' });
      assert.equal(nul.status, 400);
      assert.equal(nul.body.error.code, 'validation_error');
      assert.equal(nul.body.error.details[0].path, 'body.title');
      const surrogate = await admin.post('/api/conversations', { title: 'ok', context: { site: ['x', 'a\ud800'] } });
      assert.equal(surrogate.status, 400);
      assert.equal(surrogate.body.error.details[0].path, 'body.context.site.1');
      const query = await admin.get('/api/conversations?q=a%00b');
      assert.equal(query.status, 400);
      assert.equal(query.body.error.details[0].path, 'query.q');
      const unknown = await admin.post('/api/conversations', { title: 'ok', extra: 1 });
      assert.equal(unknown.status, 400);
      const agent = new http.Agent();
      const percent = await rawRequest(
        harness.url,
        harness.adminToken,
        { label: 'p', method: 'GET', path: '/api/conversations/%ff%fe', headers: {} },
        agent,
      );
      assert.equal(percent.status, 400);
      assert.equal(JSON.parse(percent.text).error.code, 'validation_error');
      const gzip = await rawRequest(
        harness.url,
        harness.adminToken,
        {
          label: 'g',
          method: 'POST',
          path: '/api/conversations',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: '{"title":"x"}',
        },
        agent,
      );
      assert.equal(gzip.status, 415);
      const bogus = await rawRequest(
        harness.url,
        harness.adminToken,
        {
          label: 'b',
          method: 'POST',
          path: '/api/conversations',
          headers: { 'content-type': 'application/json', 'content-encoding': 'x-bogus' },
          body: '{"title":"x"}',
        },
        agent,
      );
      assert.equal(bogus.status, 415);
      assert.equal(JSON.parse(bogus.text).error.code, 'unsupported_media_type');
      agent.destroy();
    });
  });
}
