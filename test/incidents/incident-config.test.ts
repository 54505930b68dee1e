/**
 * Incident configuration on every backend, split from incidents.test.ts: bad hook creation
 * input is refused, and routing tables are validated whole (the bad field named, nothing
 * applied, operators refused).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ToolCalls } from '../agents/support/test-toolsets.js';
import type { FakeSlack } from '../bots/support/fake-slack.js';
import type { TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { incidentApi, startIncidentsApp } from './support/incidents-harness.js';

for (const backend of testBackends()) {
  describe(`incident configuration on ${backend.name}`, { timeout: 120_000 }, () => {
    let harness: TestApp;
    let slack: FakeSlack;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();
    const { api, json } = incidentApi(() => harness);

    before(async () => {
      ({ harness, slack } = await startIncidentsApp(await database, calls));
    });
    after(async () => {
      await harness?.close();
      await slack?.close();
      await (await database).close();
    });

    it('refuses bad hook creation input', async () => {
      const operator = await harness.createUser('operator');
      assert.equal((await api('/api/hooks', { token: operator.token, body: { source: 'alertmanager', name: 'x' } })).status, 403);
      const badSource = await api('/api/hooks', { body: { source: 'nagios', name: 'x' } });
      assert.equal(badSource.status, 400);
      assert.match((await json(badSource)).error.message, /body\.source/);
      const badName = await json(await api('/api/hooks', { body: { source: 'alertmanager', name: 'has space' } }));
      assert.match(badName.error.message, /body\.name/);
      const secretOnAm = await json(await api('/api/hooks', { body: { source: 'alertmanager', name: 'y', secret: 'x'.repeat(20) } }));
      assert.match(secretOnAm.error.message, /body\.secret/);
      assert.equal((await api('/api/hooks', { body: { source: 'alertmanager', name: 'prod-dup' } })).status, 201);
      assert.equal((await api('/api/hooks', { body: { source: 'alertmanager', name: 'prod-dup' } })).status, 409);
      assert.equal((await api('/api/hooks', { token: '' })).status, 401);
    });

    it('validates routing tables whole and names the bad field', async () => {
      const before = await json(await api('/api/incident-routes'));
      const badMatcher = await api('/api/incident-routes', {
        method: 'PUT',
        body: { routes: [{ name: 'ok', matchers: ['severity=~"(unclosed"'] }] },
      });
      assert.equal(badMatcher.status, 400);
      assert.match((await json(badMatcher)).error.message, /body\.routes\.0\.matchers\.0.*regular expression/);
      const badChannel = await json(
        await api('/api/incident-routes', { method: 'PUT', body: { routes: [{ name: 'ok', discord: { channelId: 'general' } }] } }),
      );
      assert.match(badChannel.error.message, /body\.routes\.0\.discord\.channelId/);
      const badTemplate = await json(
        await api('/api/incident-routes', {
          method: 'PUT',
          body: { routes: [{ name: 'ok', diagnostics: ['net check {{ $(reboot) }}'] }] },
        }),
      );
      assert.match(badTemplate.error.message, /body\.routes\.0\.diagnostics\.0/);
      const unknownKey = await json(await api('/api/incident-routes', { method: 'PUT', body: { routes: [{ name: 'ok', slak: {} }] } }));
      assert.match(unknownKey.error.message, /slak/);
      const operator = await harness.createUser('operator');
      assert.equal((await api('/api/incident-routes', { method: 'PUT', token: operator.token, body: { routes: [] } })).status, 403);
      assert.deepEqual(await json(await api('/api/incident-routes')), before, 'nothing applied');
    });
  });
}
