/**
 * The policy module (src/auth/policy.ts) seen from outside, on every backend: a viewer, an
 * operator and an admin get over REST the answers Vigie gave before the permission checks
 * were gathered in one table — route roles, ownership of conversations, messages,
 * executions and services, search scopes, posting as the assistant, and tool roles. The
 * expected codes are written out per role, so a policy change that moves an answer fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

type Client = ReturnType<typeof apiClient>;

for (const backend of testBackends()) {
  describe(`policy answers per role on ${backend.name}`, () => {
    let harness: TestApp;
    let owner: Client;
    let viewer: Client;
    let operator: Client;
    let admin: Client;
    let clients: Array<[string, Client]>;

    before(async () => {
      harness = await startTestApp(await backend.open());
      owner = apiClient(harness.url, (await harness.createUser('viewer', 'policy-owner')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      operator = apiClient(harness.url, (await harness.createUser('operator')).token);
      admin = apiClient(harness.url, harness.adminToken);
      clients = [
        ['owner', owner],
        ['viewer', viewer],
        ['operator', operator],
        ['admin', admin],
      ];
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    async function statuses(call: (client: Client) => Promise<{ status: number }>): Promise<Record<string, number>> {
      const answers: Record<string, number> = {};
      for (const [name, client] of clients) answers[name] = (await call(client)).status;
      return answers;
    }

    it('route roles: admin-only and operator-only routes', async () => {
      assert.deepEqual(await statuses((client) => client.get('/api/users')), { owner: 403, viewer: 403, operator: 403, admin: 200 });
      assert.deepEqual(await statuses((client) => client.get('/api/audit')), { owner: 403, viewer: 403, operator: 403, admin: 200 });
      const approve = await statuses((client) => client.post('/api/executions/00000000-0000-7000-8000-000000000000/approve', {}));
      assert.deepEqual(approve, { owner: 403, viewer: 403, operator: 404, admin: 404 });
    });

    it('conversations and their messages: the owner and admins; search follows the same scope', async () => {
      const created = await owner.post('/api/conversations', { title: 'policy thread' });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      const posted = await owner.post(`/api/conversations/${id}/messages`, { content: 'zanzibar policy probe' });
      assert.equal(posted.status, 201, posted.text);
      assert.deepEqual(await statuses((client) => client.get(`/api/conversations/${id}`)), {
        owner: 200,
        viewer: 404,
        operator: 404,
        admin: 200,
      });
      assert.deepEqual(await statuses((client) => client.get(`/api/conversations/${id}/messages`)), {
        owner: 200,
        viewer: 404,
        operator: 404,
        admin: 200,
      });
      assert.deepEqual(await statuses((client) => client.put(`/api/conversations/${id}`, { title: 'renamed' })), {
        owner: 200,
        viewer: 404,
        operator: 404,
        admin: 200,
      });
      const messageId = posted.body.message?.id ?? posted.body.id;
      assert.deepEqual(await statuses((client) => client.get(`/api/messages/${messageId}`)), {
        owner: 200,
        viewer: 404,
        operator: 404,
        admin: 200,
      });
      const listed: Record<string, boolean> = {};
      const found: Record<string, number> = {};
      for (const [name, client] of clients) {
        listed[name] = (await client.get('/api/conversations?limit=100')).body.data.some((row: { id: string }) => row.id === id);
        found[name] = (await client.get('/api/search?q=zanzibar')).body.messages.length;
      }
      assert.deepEqual(listed, { owner: true, viewer: false, operator: false, admin: true });
      assert.deepEqual(found, { owner: 1, viewer: 0, operator: 0, admin: 1 });
    });

    it('posting as the assistant needs the operator role', async () => {
      const answers: Record<string, number> = {};
      for (const [name, client] of clients) {
        const own = await client.post('/api/conversations', { title: `assistant ${name}` });
        answers[name] = (
          await client.post(`/api/conversations/${own.body.id}/messages`, { content: 'as assistant', role: 'assistant' })
        ).status;
      }
      assert.deepEqual(answers, { owner: 403, viewer: 403, operator: 201, admin: 201 });
    });

    it('executions: the requester or operators see and cancel them; tool roles are enforced', async () => {
      const run = await owner.post('/api/commands', { tool: 'system_status', args: {} });
      assert.equal(run.status, 200, run.text);
      const id = run.body.id;
      assert.deepEqual(await statuses((client) => client.get(`/api/executions/${id}`)), {
        owner: 200,
        viewer: 404,
        operator: 200,
        admin: 200,
      });
      const listed: Record<string, boolean> = {};
      for (const [name, client] of clients)
        listed[name] = (await client.get('/api/executions?limit=100')).body.data.some((row: { id: string }) => row.id === id);
      assert.deepEqual(listed, { owner: true, viewer: false, operator: true, admin: true });
      // Finished already: the requester and operators reach the state check (409), others get 404.
      assert.deepEqual(await statuses((client) => client.post(`/api/executions/${id}/cancel`, {})), {
        owner: 409,
        viewer: 404,
        operator: 409,
        admin: 409,
      });
      const trail = await statuses((client) => client.post('/api/commands', { tool: 'audit_trail', args: {} }));
      assert.deepEqual(trail, { owner: 403, viewer: 403, operator: 403, admin: 200 });
    });

    it('services: operators create; the creator or an admin changes', async () => {
      const ownerOp = apiClient(harness.url, (await harness.createUser('operator')).token);
      const service = {
        title: 'Serrurier dépannage rapide',
        description: 'Ouverture de portes et changement de serrures, le soir aussi.',
        category: 'securite',
        priceMin: 5000,
        priceMax: 10000,
        currency: 'XAF',
        latitude: 4.093,
        longitude: 9.744,
        city: 'Douala',
      };
      assert.deepEqual(await statuses((client) => client.post('/api/services', { ...service, title: 'Serrurier du soir' })), {
        owner: 403,
        viewer: 403,
        operator: 201,
        admin: 201,
      });
      const created = await ownerOp.post('/api/services', service);
      assert.equal(created.status, 201, created.text);
      const changes: Record<string, number> = {};
      for (const [name, client] of [['creator', ownerOp], ...clients] as Array<[string, Client]>) {
        changes[name] = (await client.patch(`/api/services/${created.body.id}`, { description: `changed by ${name}` })).status;
      }
      assert.deepEqual(changes, { creator: 200, owner: 403, viewer: 403, operator: 403, admin: 200 });
    });
  });
}
