/**
 * Conversations and messages over real HTTP, on every backend: CRUD, pagination, isolation,
 * validation, idempotency, unicode, SQL-looking strings and concurrent writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { apiClient } from '../support/http-client.js';

for (const backend of testBackends()) {
  describe(`conversations API on ${backend.name}`, () => {
    let harness: TestApp;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      harness = await startTestApp(await backend.open());
      alice = apiClient(harness.url, (await harness.createUser('operator', `alice-${backend.name}`)).token);
      bob = apiClient(harness.url, (await harness.createUser('viewer', `bob-${backend.name}`)).token);
      admin = apiClient(harness.url, harness.adminToken);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('creates, reads, updates and deletes a conversation', async () => {
      const created = await alice.post('/api/conversations', { title: 'Core router flapping', context: { site: 'DLA-1' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.title, 'Core router flapping');
      assert.deepEqual(created.body.context, { site: 'DLA-1' });
      assert.equal(created.body.originChannel, 'api');
      const id = created.body.id;

      const read = await alice.get(`/api/conversations/${id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.id, id);

      const updated = await alice.put(`/api/conversations/${id}`, { title: 'Resolved', description: 'BGP timers' });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.title, 'Resolved');
      assert.equal(updated.body.description, 'BGP timers');
      assert.deepEqual(updated.body.context, { site: 'DLA-1' });

      const deleted = await alice.delete(`/api/conversations/${id}`);
      assert.equal(deleted.status, 204);
      assert.equal((await alice.get(`/api/conversations/${id}`)).status, 404);
    });

    it('isolates users: another user gets 404, an admin sees everything', async () => {
      const created = await alice.post('/api/conversations', { title: 'private to alice' });
      const id = created.body.id;
      for (const response of [
        await bob.get(`/api/conversations/${id}`),
        await bob.put(`/api/conversations/${id}`, { title: 'stolen' }),
        await bob.delete(`/api/conversations/${id}`),
        await bob.get(`/api/conversations/${id}/messages`),
        await bob.post(`/api/conversations/${id}/messages`, { content: 'hi' }),
      ]) {
        assert.equal(response.status, 404);
        assert.equal(response.body.error.code, 'not_found');
      }
      const bobsList = await bob.get('/api/conversations?limit=100');
      assert.ok(!bobsList.body.data.some((item: { id: string }) => item.id === id));
      assert.equal((await admin.get(`/api/conversations/${id}`)).status, 200);
      assert.equal((await alice.get(`/api/conversations/${id}`)).body.title, 'private to alice');
    });

    it('paginates with a cursor over many rows without gaps or repeats', async () => {
      const user = apiClient(harness.url, (await harness.createUser('viewer')).token);
      const titles = Array.from({ length: 45 }, (_, index) => `page item ${index}`);
      for (const title of titles) assert.equal((await user.post('/api/conversations', { title })).status, 201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: any = await user.get(`/api/conversations?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        seen.push(...page.body.data.map((item: { title: string }) => item.title));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(seen.length, 45);
      assert.equal(new Set(seen).size, 45);
      assert.deepEqual(seen, [...titles].reverse());
      const filtered = await user.get('/api/conversations?q=ITEM%2044');
      assert.deepEqual(
        filtered.body.data.map((item: { title: string }) => item.title),
        ['page item 44'],
      );
      const bad = await user.get('/api/conversations?cursor=not-a-cursor');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details[0].path, 'query.cursor');
    });

    it('rejects invalid bodies with the field path, unknown fields included', async () => {
      const empty = await alice.post('/api/conversations', { title: '' });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.error.code, 'validation_error');
      assert.equal(empty.body.error.details[0].path, 'body.title');
      const unknown = await alice.post('/api/conversations', { title: 'x', owner: 'someone-else' });
      assert.equal(unknown.status, 400);
      assert.ok(unknown.body.error.details.some((detail: { path: string }) => detail.path === 'body.owner'));
      const wrongType = await alice.post('/api/conversations', { title: 42 });
      assert.equal(wrongType.status, 400);
      const array = await alice.post('/api/conversations', [1, 2]);
      assert.equal(array.status, 400);
      const badId = await alice.get('/api/conversations/not-a-uuid');
      assert.equal(badId.status, 400);
      assert.equal(badId.body.error.details[0].path, 'path.id');
      const tooLong = await alice.post('/api/conversations', { title: 'x'.repeat(201) });
      assert.equal(tooLong.status, 400);
      const emptyUpdate = await alice.put(`/api/conversations/${(await alice.post('/api/conversations', { title: 'u' })).body.id}`, {});
      assert.equal(emptyUpdate.status, 400);
    });

    it('stores SQL-looking strings, unicode and emoji verbatim', async () => {
      const nasty = "Robert'); DROP TABLE conversations;-- \\ % _ $1 ${x}";
      const unicode = 'Réseau coupé à Douala 🚨 — 東京 — مرحبا — \u0000'.replace('\u0000', '');
      const created = await alice.post('/api/conversations', {
        title: nasty,
        description: unicode,
        context: { emoji: '🛰️', nested: { sql: nasty } },
      });
      assert.equal(created.status, 201);
      const read = await alice.get(`/api/conversations/${created.body.id}`);
      assert.equal(read.body.title, nasty);
      assert.equal(read.body.description, unicode);
      assert.deepEqual(read.body.context, { emoji: '🛰️', nested: { sql: nasty } });
      const message = await alice.post(`/api/conversations/${created.body.id}/messages`, { content: `${nasty} ${unicode}` });
      assert.equal(message.status, 201);
      assert.equal((await alice.get(`/api/messages/${message.body.id}`)).body.content, `${nasty} ${unicode}`);
      const found = await alice.get(`/api/conversations?q=${encodeURIComponent("'); DROP")}`);
      assert.equal(found.status, 200);
      assert.equal(found.body.data[0].title, nasty);
    });

    it('posts messages in time order, idempotently on clientMessageId', async () => {
      const conversation = (await alice.post('/api/conversations', { title: 'chat' })).body;
      const first = await alice.post(`/api/conversations/${conversation.id}/messages`, { content: 'one', clientMessageId: 'c-1' });
      assert.equal(first.status, 201);
      const retry = await alice.post(`/api/conversations/${conversation.id}/messages`, { content: 'one', clientMessageId: 'c-1' });
      assert.equal(retry.status, 200);
      assert.equal(retry.body.id, first.body.id);
      await alice.post(`/api/conversations/${conversation.id}/messages`, { content: 'two' });
      await alice.post(`/api/conversations/${conversation.id}/messages`, { content: 'three', role: 'assistant', metadata: { model: 'x' } });
      const list = await alice.get(`/api/conversations/${conversation.id}/messages`);
      assert.deepEqual(
        list.body.data.map((message: { content: string }) => message.content),
        ['one', 'two', 'three'],
      );
      assert.equal(list.body.data[2].role, 'assistant');

      const viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      const own = (await viewer.post('/api/conversations', { title: 'viewer chat' })).body;
      const forbidden = await viewer.post(`/api/conversations/${own.id}/messages`, { content: 'x', role: 'system' });
      assert.equal(forbidden.status, 403);

      const global = await alice.get(`/api/messages?conversationId=${conversation.id}&limit=2`);
      assert.equal(global.body.data.length, 2);
      assert.equal(global.body.data[0].content, 'three');
      assert.ok(global.body.nextCursor);
      const rest = await alice.get(`/api/messages?conversationId=${conversation.id}&limit=2&cursor=${global.body.nextCursor}`);
      assert.deepEqual(
        rest.body.data.map((message: { content: string }) => message.content),
        ['one'],
      );
      assert.equal((await bob.get(`/api/messages/${first.body.id}`)).status, 404);
    });

    it('concurrent retries and concurrent writes lose nothing and duplicate nothing', async () => {
      const conversation = (await alice.post('/api/conversations', { title: 'busy' })).body;
      const path = `/api/conversations/${conversation.id}/messages`;
      const retries = await Promise.all(Array.from({ length: 10 }, () => alice.post(path, { content: 'same', clientMessageId: 'dup' })));
      assert.equal(new Set(retries.map((response) => response.body.id)).size, 1);
      assert.ok(retries.every((response) => response.status === 200 || response.status === 201));
      const writes = await Promise.all(Array.from({ length: 40 }, (_, index) => alice.post(path, { content: `m${index}` })));
      assert.deepEqual(
        writes.map((response) => response.status).filter((status) => status !== 201),
        [],
      );
      const list = await alice.get(`${path}?limit=100`);
      assert.equal(list.body.data.length, 41);
      const creates = await Promise.all(
        Array.from({ length: 30 }, (_, index) => alice.post('/api/conversations', { title: `parallel ${index}` })),
      );
      assert.ok(creates.every((response) => response.status === 201));
    });
  });
}
