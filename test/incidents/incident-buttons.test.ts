/**
 * Acknowledge and Resolve from Slack: clicks on the summary's buttons (signed block actions
 * into the real app) change the incident, record who clicked on the timeline and in the
 * audit, and edit the same Slack message; viewers and malformed clicks change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { ACK_ACTION, RESOLVE_ACTION } from '../../src/incidents/incident-summary.js';
import { blockActionBody, postToSlackEndpoint, startFakeSlack, type FakeSlack } from '../bots/support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from '../bots/support/slack-test-app.js';

for (const backend of testBackends()) {
  describe(`incident buttons on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    let slack: FakeSlack;
    let token = '';
    const database = backend.open();

    before(async () => {
      slack = await startFakeSlack();
      const db = await database;
      harness = await startSlackTestApp(db, {
        slack,
        tools: { toolsets: [coreToolset(db)] },
        incidents: {
          routes: compileRoutes({ routes: [{ name: 'ops', slack: { channel: 'COPS' }, runbookSearch: false }] }, 'test'),
          targets: { slack: { token: 'xoxb-test', apiUrl: slack.apiUrl } },
        },
      });
      token = (
        await harness.app.incidents.hooks.create(
          { userId: '', userName: 'test', role: 'admin', tokenId: null },
          { source: 'alertmanager', name: `buttons-${backend.name}` },
        )
      ).token;
    });
    after(async () => {
      await harness?.close();
      await slack?.close();
      await (await database).close();
    });

    it('Acknowledge then Resolve from Slack, by an operator; a viewer is refused', async () => {
      const alertName = `LinkFlap${backend.name}`;
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${alertName}"}`,
        status: 'firing',
        receiver: 'vigie',
        groupLabels: { alertname: alertName },
        commonLabels: { alertname: alertName, severity: 'page' },
        commonAnnotations: { summary: 'link flapping' },
        alerts: [
          {
            status: 'firing',
            labels: { alertname: alertName, severity: 'page' },
            annotations: {},
            startsAt: new Date().toISOString(),
            fingerprint: 'ff01',
          },
        ],
      };
      const response = await fetch(`${harness.url}/api/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      assert.equal(response.status, 200);
      const id = ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
      const posted = await slack.waitFor(
        (call) => call.method === 'chat.postMessage' && call.params.channel === 'COPS' && String(call.params.text).includes(alertName),
      );
      const ts = String(posted.response.ts);
      const click = (user: string, actionId: string, value: string) =>
        postToSlackEndpoint(
          harness.eventsUrl,
          SIGNING_SECRET,
          blockActionBody({
            user,
            channel: 'COPS',
            messageTs: ts,
            blocks: posted.params.blocks as unknown[],
            actionId,
            value,
            responseUrl: `${slack.url}/response/${Math.random()}`,
          }),
          'application/x-www-form-urlencoded',
        );

      await harness.linkedUser('viewer', 'UVIEW');
      assert.equal((await click('UVIEW', ACK_ACTION, id)).status, 200);
      await slack.waitFor(
        (call) => call.method === 'chat.postEphemeral' && call.params.user === 'UVIEW' && /operator role/.test(String(call.params.text)),
      );
      assert.equal((await click('UVIEW', ACK_ACTION, 'not-a-uuid')).status, 200);
      await slack.waitFor(
        (call) =>
          call.method === 'chat.postEphemeral' && call.params.user === 'UVIEW' && /valid incident id/.test(String(call.params.text)),
      );
      assert.equal((await harness.app.incidents.store.find(id)).status, 'firing');

      const operatorId = await harness.linkedUser('operator', 'UOPS');
      await click('UOPS', ACK_ACTION, id);
      const acked = await waitFor(async () => {
        const incident = await harness.app.incidents.store.find(id);
        return incident.status === 'acknowledged' ? incident : undefined;
      });
      assert.match(String(acked.acknowledgedBy), /^slack-operator-uops/);
      await slack.waitFor(
        (call) =>
          call.method === 'chat.update' &&
          call.params.ts === ts &&
          /Acknowledged by slack-operator-uops/.test(String(call.params.text)) &&
          !JSON.stringify(call.params.blocks).includes(ACK_ACTION) &&
          JSON.stringify(call.params.blocks).includes(RESOLVE_ACTION),
      );

      await click('UOPS', RESOLVE_ACTION, id);
      await waitFor(async () => (await harness.app.incidents.store.find(id)).status === 'resolved');
      await harness.app.incidents.service.idle();
      await slack.waitFor(
        (call) =>
          call.method === 'chat.update' &&
          call.params.ts === ts &&
          String(call.params.text).includes('[RESOLVED]') &&
          JSON.stringify(call.params.blocks ?? []).indexOf(RESOLVE_ACTION) < 0,
      );
      const timeline = await harness.app.incidents.store.timeline(id);
      const people = timeline.filter((entry) => entry.kind === 'acknowledged' || entry.kind === 'resolved');
      assert.deepEqual(
        people.map((entry) => [entry.kind, entry.channel]),
        [
          ['acknowledged', 'slack'],
          ['resolved', 'slack'],
        ],
      );
      const audit = await (
        await database
      ).prisma.auditEvent.findMany({ where: { action: { in: ['incident.acknowledged', 'incident.resolved'] }, actorId: operatorId } });
      assert.deepEqual(audit.map((event) => event.channel).sort(), ['slack', 'slack']);
      // A second Resolve click is refused (already resolved) and says so.
      await click('UOPS', RESOLVE_ACTION, id);
      await slack.waitFor(
        (call) => call.method === 'chat.postEphemeral' && call.params.user === 'UOPS' && /already resolved/.test(String(call.params.text)),
      );
    });
  });
}
