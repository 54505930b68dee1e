/**
 * Documents (versions kept on update), full-text search and the cross-resource search, on
 * every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { apiClient } from '../support/http-client.js';

for (const backend of testBackends()) {
  describe(`documents and search on ${backend.name}`, () => {
    let harness: TestApp;
    let operator: ReturnType<typeof apiClient>;
    let viewer: ReturnType<typeof apiClient>;

    before(async () => {
      harness = await startTestApp(await backend.open());
      operator = apiClient(harness.url, (await harness.createUser('operator')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('creates, updates with version history, and deletes documents', async () => {
      const created = await operator.post('/api/documents', {
        title: 'Core router failover',
        content: '# Failover\nRaise the VRRP priority on the standby router.',
        contentType: 'text/markdown',
        tags: ['runbook', 'network'],
        sourceUrl: 'https://wiki.example/failover',
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.version, 1);
      assert.match(created.body.contentHash, /^[0-9a-f]{64}$/);
      const id = created.body.id;

      const updated = await operator.put(`/api/documents/${id}`, { content: '# Failover\nUse the failover script.' });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.version, 2);
      assert.equal(updated.body.title, 'Core router failover');
      assert.notEqual(updated.body.contentHash, created.body.contentHash);

      const versions = await viewer.get(`/api/documents/${id}/versions`);
      assert.equal(versions.status, 200);
      assert.equal(versions.body.data.length, 1);
      assert.equal(versions.body.data[0].version, 1);
      assert.match(versions.body.data[0].content, /VRRP/);

      const byTag = await viewer.get('/api/documents?tag=runbook');
      assert.ok(byTag.body.data.some((document: { id: string }) => document.id === id));
      assert.equal((await viewer.get('/api/documents?tag=absent-tag')).body.data.length, 0);

      assert.equal((await viewer.put(`/api/documents/${id}`, { title: 'x' })).status, 403);
      assert.equal((await viewer.delete(`/api/documents/${id}`)).status, 403);
      assert.equal((await operator.delete(`/api/documents/${id}`)).status, 204);
      assert.equal((await viewer.get(`/api/documents/${id}`)).status, 404);
      assert.equal((await viewer.get(`/api/documents/${id}/versions`)).status, 404);
      assert.equal((await operator.put(`/api/documents/${id}`, { title: 'gone' })).status, 404);
    });

    it('validates document input and leaves nothing half-written', async () => {
      const before = (await viewer.get('/api/documents?limit=100')).body.data.length;
      for (const body of [
        { title: 'no content' },
        { title: '', content: 'x' },
        { title: 'bad type', content: 'x', contentType: 'not a mime' },
        { title: 'bad tags', content: 'x', tags: ['has space'] },
        { title: 'extra', content: 'x', version: 7 },
      ]) {
        const response = await operator.post('/api/documents', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'validation_error');
      }
      assert.equal((await viewer.get('/api/documents?limit=100')).body.data.length, before);
    });

    it('searches documents by full text with excerpts and tag filters', async () => {
      await operator.post('/api/documents', { title: 'BGP session reset', content: 'Clear the BGP session with the peer, then check prefixes.', tags: ['bgp'] });
      await operator.post('/api/documents', { title: 'Panne électrique', content: 'Basculer sur le groupe électrogène du site de Douala.', tags: ['énergie'] });
      const bgp = await viewer.get('/api/documents/search?q=bgp%20peer');
      assert.equal(bgp.status, 200);
      assert.equal(bgp.body.data[0].title, 'BGP session reset');
      assert.ok(bgp.body.data[0].score > 0);
      assert.match(bgp.body.data[0].excerpt, /BGP/);
      const french = await viewer.get(`/api/documents/search?q=${encodeURIComponent('électrogène Douala')}`);
      assert.equal(french.body.data[0].title, 'Panne électrique');
      const filtered = await viewer.get('/api/documents/search?q=bgp&tag=other');
      assert.equal(filtered.body.data.length, 0);
      const operators = await viewer.get(`/api/documents/search?q=${encodeURIComponent('"unbalanced quote OR -')}`);
      assert.equal(operators.status, 200);
      assert.equal((await viewer.get('/api/documents/search')).status, 400);
      assert.equal((await viewer.get(`/api/documents/search?q=${'x'.repeat(600)}`)).status, 400);
    });

    it('searches conversations, messages and documents at once, within visibility', async () => {
      const mine = (await viewer.post('/api/conversations', { title: 'Latency to Yaoundé' })).body;
      await viewer.post(`/api/conversations/${mine.id}/messages`, { content: 'latency spikes on the Yaoundé uplink' });
      const other = apiClient(harness.url, (await harness.createUser('viewer')).token);
      const theirs = (await other.post('/api/conversations', { title: 'Latency elsewhere' })).body;
      await other.post(`/api/conversations/${theirs.id}/messages`, { content: 'latency is secret here' });
      await operator.post('/api/documents', { title: 'Latency runbook', content: 'Measure latency with net check.' });

      const results = await viewer.get('/api/search?q=latency');
      assert.equal(results.status, 200);
      assert.deepEqual(results.body.conversations.map((item: { id: string }) => item.id), [mine.id]);
      assert.equal(results.body.messages.length, 1);
      assert.equal(results.body.messages[0].conversationId, mine.id);
      assert.ok(results.body.documents.some((item: { title: string }) => item.title === 'Latency runbook'));
      const admin = apiClient(harness.url, harness.adminToken);
      assert.equal((await admin.get('/api/search?q=latency')).body.messages.length, 2);
      assert.equal((await viewer.get('/api/search?q=')).status, 400);
    });
  });
}
