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
    let operatorToken: string;

    before(async () => {
      harness = await startTestApp(await backend.open());
      operatorToken = (await harness.createUser('operator')).token;
      operator = apiClient(harness.url, operatorToken);
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

    it('searches passages with hybrid retrieval, offsets and tag filters', async () => {
      await operator.post('/api/documents', {
        title: 'BGP session reset',
        content: '# BGP\nClear the BGP session with the peer, then check prefixes.',
        contentType: 'text/markdown',
        tags: ['bgp'],
      });
      await operator.post('/api/documents', {
        title: 'Panne électrique',
        content: 'Basculer sur le groupe électrogène du site de Douala.',
        tags: ['énergie'],
      });
      const bgp = await viewer.get('/api/documents/search?q=bgp%20peer&k=3');
      assert.equal(bgp.status, 200);
      const top = bgp.body.data[0];
      assert.equal(top.title, 'BGP session reset');
      assert.ok(top.score > 0);
      assert.deepEqual(top.headingPath, ['BGP']);
      const stored = await viewer.get(`/api/documents/${top.documentId}`);
      assert.equal(stored.body.content.slice(top.startOffset, top.endOffset), top.content);
      const french = await viewer.get(`/api/documents/search?q=${encodeURIComponent('electrogene douala')}`);
      assert.equal(french.body.data[0].title, 'Panne électrique');
      assert.equal((await viewer.get('/api/documents/search?q=bgp&tags=other')).body.data.length, 0);
      assert.equal((await viewer.get('/api/documents/search?q=bgp&tags=bgp,other')).body.data[0].title, 'BGP session reset');
      const operators = await viewer.get(`/api/documents/search?q=${encodeURIComponent('"unbalanced quote OR -')}`);
      assert.equal(operators.status, 200);
      assert.equal((await viewer.get('/api/documents/search')).status, 400);
      assert.equal((await viewer.get(`/api/documents/search?q=${'x'.repeat(600)}`)).status, 400);
      assert.equal((await viewer.get('/api/documents/search?q=x&k=0')).status, 400);
      assert.equal((await viewer.get('/api/documents/search?q=x&mode=magic')).status, 400);
    });

    it('ingests multipart uploads, skips unchanged re-uploads and rejects bad files', async () => {
      const upload = async (content: BodyInit | Blob, fileName: string, fields: Record<string, string> = {}) => {
        const form = new FormData();
        form.append('file', content instanceof Blob ? content : new Blob([content as string]), fileName);
        for (const [key, value] of Object.entries(fields)) form.append(key, value);
        const response = await fetch(`${harness.url}/api/documents`, {
          method: 'POST',
          body: form,
          headers: { authorization: `Bearer ${operatorToken}` },
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const first = await upload('# Proxy\n\nRestart squid when the cache fills.', 'proxy.md', {
        tags: 'runbook,proxy',
        sourceUrl: 'https://wiki.example/proxy',
      });
      assert.equal(first.status, 201);
      assert.equal(first.body.title, 'Proxy');
      assert.equal(first.body.contentType, 'text/markdown');
      assert.deepEqual(first.body.tags, ['runbook', 'proxy']);
      assert.equal(first.body.ingest.outcome, 'created');
      assert.ok(first.body.ingest.chunks >= 1);
      const again = await upload('# Proxy\n\nRestart squid when the cache fills.', 'proxy.md', {
        tags: 'runbook,proxy',
        sourceUrl: 'https://wiki.example/proxy',
      });
      assert.equal(again.status, 200);
      assert.equal(again.body.ingest.outcome, 'unchanged');
      assert.equal(again.body.id, first.body.id);
      const changed = await upload('# Proxy\n\nRestart squid, then purge the cache.', 'proxy.md', {
        tags: 'runbook,proxy',
        sourceUrl: 'https://wiki.example/proxy',
      });
      assert.equal(changed.body.ingest.outcome, 'updated');
      assert.equal(changed.body.version, 2);
      const html = await upload(
        '<html><head><title>Firewall</title></head><body><h1>Firewall</h1><p>Open port 443.</p></body></html>',
        'fw.html',
      );
      assert.equal(html.body.title, 'Firewall');
      assert.match(html.body.content, /# Firewall/);

      // Links are http(s) only: javascript:, data: and relative URLs are refused in both forms.
      for (const sourceUrl of ['javascript:alert(1)', 'data:text/html,x', 'wiki://proxy', '/relative']) {
        const uploaded = await upload('# X\n\nx', 'x.md', { sourceUrl });
        assert.equal(uploaded.status, 400, sourceUrl);
        assert.equal(uploaded.body.error.details[0].path, 'form.sourceUrl');
        const posted = await operator.post('/api/documents', { title: 'x', content: 'x', sourceUrl });
        assert.equal(posted.status, 400, sourceUrl);
        assert.equal(posted.body.error.details[0].path, 'body.sourceUrl');
      }
      const countBefore = (await viewer.get('/api/documents?limit=100')).body.data.length;
      const binary = await upload(new Blob([Uint8Array.from([0, 159, 146, 150, 0, 1])]), 'blob.txt');
      assert.equal(binary.status, 400);
      assert.match(binary.body.error.message, /binary/);
      const empty = await upload('', 'empty.txt');
      assert.equal(empty.status, 400);
      const corrupt = await upload('%PDF-1.7 broken', 'broken.pdf');
      assert.equal(corrupt.status, 400);
      const badTags = await upload('text', 'note.txt', { tags: 'has space' });
      assert.equal(badTags.status, 400);
      const noFile = new FormData();
      noFile.append('title', 'nothing');
      const missing = await fetch(`${harness.url}/api/documents`, {
        method: 'POST',
        body: noFile,
        headers: { authorization: `Bearer ${operatorToken}` },
      });
      assert.equal(missing.status, 400);
      const elsewhere = new FormData();
      elsewhere.append('file', new Blob(['x']), 'x.txt');
      const notHere = await fetch(`${harness.url}/api/conversations`, {
        method: 'POST',
        body: elsewhere,
        headers: { authorization: `Bearer ${operatorToken}` },
      });
      assert.equal(notHere.status, 415);
      assert.equal((await viewer.get('/api/documents?limit=100')).body.data.length, countBefore);
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
      assert.deepEqual(
        results.body.conversations.map((item: { id: string }) => item.id),
        [mine.id],
      );
      assert.equal(results.body.messages.length, 1);
      assert.equal(results.body.messages[0].conversationId, mine.id);
      assert.ok(results.body.documents.some((item: { title: string }) => item.title === 'Latency runbook'));
      const admin = apiClient(harness.url, harness.adminToken);
      assert.equal((await admin.get('/api/search?q=latency')).body.messages.length, 2);
      assert.equal((await viewer.get('/api/search?q=')).status, 400);
    });
  });
}
