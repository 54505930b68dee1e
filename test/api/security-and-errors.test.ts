/**
 * Authentication, roles, the admin surface, and every error code of the one error shape:
 * 400, 401, 403, 404, 409, 413, 415, 429 and 503 when the database is gone. Also the public endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { apiClient, http } from '../support/http-client.js';

for (const backend of testBackends()) {
  describe(`security and errors on ${backend.name}`, () => {
    let harness: TestApp;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      harness = await startTestApp(await backend.open(), { config: { BODY_LIMIT: '2kb' } });
      admin = apiClient(harness.url, harness.adminToken);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('answers 401 for missing, malformed, unknown and revoked tokens', async () => {
      const headerSets: Array<Record<string, string>> = [
        {},
        { authorization: 'Basic abc' },
        { authorization: 'Bearer vig_unknown_token_value' },
        { authorization: 'Bearer' },
      ];
      for (const headers of headerSets) {
        const response = await http(`${harness.url}/api/conversations`, { headers });
        assert.equal(response.status, 401);
        assert.deepEqual(Object.keys(response.body.error).sort(), ['code', 'message']);
        assert.equal(response.body.error.code, 'unauthorized');
      }
      const user = await admin.post('/api/users', { name: 'revokee', role: 'operator' });
      const minted = await admin.post(`/api/users/${user.body.id}/tokens`, { name: 'temp' });
      assert.equal(minted.status, 201);
      assert.match(minted.body.token, /^vig_/);
      const client = apiClient(harness.url, minted.body.token);
      assert.equal((await client.get('/api/me')).body.userName, 'revokee');
      const revoked = await admin.delete(`/api/tokens/${minted.body.info.id}`);
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revokedAt);
      assert.equal((await client.get('/api/me')).status, 401);
      const listed = await admin.get(`/api/tokens?userId=${user.body.id}`);
      assert.equal(listed.body.data[0].revokedAt, revoked.body.revokedAt);
      assert.ok(!JSON.stringify(listed.body).includes(minted.body.token));
    });

    it('caps token roles at the user role and enforces roles server-side (403)', async () => {
      const user = await admin.post('/api/users', { name: 'viewer-one', role: 'viewer' });
      const minted = await admin.post(`/api/users/${user.body.id}/tokens`, { name: 'greedy', role: 'admin' });
      assert.equal(minted.body.info.role, 'viewer');
      const viewer = apiClient(harness.url, minted.body.token);
      for (const response of [
        await viewer.get('/api/users'),
        await viewer.post('/api/users', { name: 'intruder', role: 'admin' }),
        await viewer.get('/api/tokens'),
        await viewer.post('/api/documents', { title: 't', content: 'c' }),
      ]) {
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'forbidden');
      }
      const promoted = await admin.patch(`/api/users/${user.body.id}`, { role: 'operator' });
      assert.equal(promoted.body.role, 'operator');
      // The token's own role (viewer) still caps it.
      assert.equal((await viewer.get('/api/me')).body.role, 'viewer');
      const disabled = await admin.patch(`/api/users/${user.body.id}`, { disabled: true });
      assert.equal(disabled.body.disabled, true);
      assert.equal((await viewer.get('/api/me')).status, 401);
    });

    it('manages users and identities with 400, 404 and 409 where due', async () => {
      const created = await admin.post('/api/users', { name: 'carol', displayName: 'Carol', role: 'operator' });
      assert.equal(created.status, 201);
      const duplicate = await admin.post('/api/users', { name: 'carol' });
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.body.error.code, 'conflict');
      assert.equal((await admin.post('/api/users', { name: 'Bad Name!' })).status, 400);
      assert.equal((await admin.post('/api/users', { name: 'dave', role: 'root' })).status, 400);
      const linked = await admin.post(`/api/users/${created.body.id}/identities`, {
        provider: 'slack',
        externalId: 'U024BE7LH',
        workspace: 'T1',
      });
      assert.equal(linked.status, 201);
      assert.deepEqual(linked.body.identities, [{ provider: 'slack', externalId: 'U024BE7LH', workspace: 'T1' }]);
      assert.equal(
        (await admin.post(`/api/users/${created.body.id}/identities`, { provider: 'slack', externalId: 'U024BE7LH', workspace: 'T1' }))
          .status,
        409,
      );
      assert.equal((await admin.post(`/api/users/${created.body.id}/identities`, { provider: 'irc', externalId: 'x' })).status, 400);
      const missing = '019a7c9e-0000-7000-8000-00000000dead';
      assert.equal((await admin.get(`/api/users/${missing}`)).status, 404);
      assert.equal((await admin.post(`/api/users/${missing}/tokens`, { name: 'x' })).status, 404);
      assert.equal((await admin.delete(`/api/tokens/${missing}`)).status, 404);
      const users = await admin.get('/api/users');
      assert.ok(users.body.data.some((user: { name: string }) => user.name === 'carol'));
    });

    it('rejects malformed JSON (400), oversized bodies (413) and other content types (415)', async () => {
      const malformed = await http(`${harness.url}/api/conversations`, {
        method: 'POST',
        token: harness.adminToken,
        raw: '{"title": "unterminated',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.message, 'Malformed JSON body');
      const oversized = await admin.post('/api/conversations', {
        title: 'big',
        description: 'x'.repeat(1900),
        context: { pad: 'y'.repeat(4000) },
      });
      assert.equal(oversized.status, 413);
      assert.equal(oversized.body.error.code, 'payload_too_large');
      const form = await http(`${harness.url}/api/conversations`, {
        method: 'POST',
        token: harness.adminToken,
        raw: 'title=hello',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 415);
      assert.equal(form.body.error.code, 'unsupported_media_type');
      const count = await admin.get('/api/conversations?q=big');
      assert.equal(count.body.data.length, 0);
    });

    it('answers 404 in the error shape for unknown routes', async () => {
      const api = await admin.get('/api/nothing-here');
      assert.equal(api.status, 404);
      assert.equal(api.body.error.code, 'not_found');
      const root = await http(`${harness.url}/definitely/not/here`);
      assert.equal(root.status, 404);
    });

    it('serves /health, /metrics, /openapi.json and /docs without auth', async () => {
      const health = await http(`${harness.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      assert.equal(health.body.db.status, 'ok');
      assert.equal(health.body.db.backend, backend.name);
      assert.equal(health.body.redis.status, 'disabled');
      assert.match(health.body.version, /^\d+\.\d+\.\d+/);
      const metrics = await http(`${harness.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /vigie_http_requests_total\{method="GET",route="\/api\/users",status="403"\} 1/);
      assert.match(metrics.text, /vigie_http_requests_total\{method="POST",route="\/api\/users",status="409"\} 1/);
      assert.match(metrics.text, /vigie_http_requests_total\{method="GET",route="unmatched",status="401"\}/);
      assert.match(metrics.text, /vigie_http_request_duration_seconds_bucket/);
      assert.match(metrics.text, /vigie_process_cpu_seconds_total/);
      const openapi = await http(`${harness.url}/openapi.json`);
      assert.equal(openapi.body.openapi, '3.1.0');
      const listConversations = openapi.body.paths['/api/conversations'].get;
      for (const status of ['200', '400', '401', '429', '500']) assert.ok(listConversations.responses[status], status);
      const createDocument = openapi.body.paths['/api/documents'].post;
      for (const status of ['201', '400', '401', '403', '413', '415']) assert.ok(createDocument.responses[status], status);
      assert.ok(
        openapi.body.paths['/api/conversations/{id}'].get.parameters.some((parameter: { name: string }) => parameter.name === 'id'),
      );
      assert.ok(openapi.body.components.schemas.Conversation.example);
      const docs = await http(`${harness.url}/docs/`);
      assert.equal(docs.status, 200);
      assert.match(docs.text, /swagger-ui/);
      const initializer = await http(`${harness.url}/docs/swagger-initializer.js`);
      assert.match(initializer.text, /\/openapi\.json/);
      assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(health.headers.get('x-request-id'));
    });

    it('answers 503 unavailable with Retry-After, without stack or SQL text, when the database is gone', async () => {
      const broken = await startTestApp(await backend.open());
      const token = broken.adminToken;
      // Warm the token cache, then take the database away underneath the app.
      assert.equal((await http(`${broken.url}/api/me`, { token })).status, 200);
      await broken.database.close();
      const response = await http(`${broken.url}/api/conversations`, { token });
      assert.equal(response.status, 503);
      assert.equal(response.body.error.code, 'unavailable');
      assert.doesNotMatch(response.text, /SELECT|at .*\.ts|stack/i);
      assert.equal(response.headers.get('retry-after'), '5');
      const health = await http(`${broken.url}/health`);
      assert.equal(health.status, 503);
      await broken.close();
    });
  });
}

describe('rate limits', () => {
  it('answers 429 with Retry-After per token and per address', async () => {
    const backend = testBackends()[0]!;
    const harness = await startTestApp(await backend.open(), { config: { RATE_LIMIT_TOKEN_PER_MINUTE: 5, RATE_LIMIT_IP_PER_MINUTE: 8 } });
    try {
      const admin = apiClient(harness.url, harness.adminToken);
      const statuses: number[] = [];
      for (let index = 0; index < 7; index += 1) statuses.push((await admin.get('/api/me')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      const limited = await admin.get('/api/me');
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      // The address limit stops even unauthenticated callers.
      const anonymous: number[] = [];
      for (let index = 0; index < 3; index += 1) anonymous.push((await http(`${harness.url}/api/me`)).status);
      assert.ok(anonymous.includes(429));
    } finally {
      await harness.close();
      await harness.database.close();
    }
  });
});
