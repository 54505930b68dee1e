/**
 * vigie_incidents{state,source} on /metrics: read from the incidents table at scrape time, so
 * it follows opens, acknowledgements and resolutions (from the API and from the source).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

for (const backend of testBackends()) {
  describe(`vigie_incidents gauge on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: TestApp;
    let token = '';

    before(async () => {
      harness = await startTestApp(await backend.open(), { incidents: { routes: [] } });
      token = (
        await harness.app.incidents.hooks.create(
          { userId: '', userName: 'test', role: 'admin', tokenId: null },
          { source: 'alertmanager', name: 'gauge' },
        )
      ).token;
    });
    after(async () => {
      await harness?.close();
      await harness?.database.close();
    });

    const alert = (name: string, status: 'firing' | 'resolved') => ({
      version: '4',
      groupKey: `{}:{alertname="${name}"}`,
      status,
      receiver: 'vigie',
      groupLabels: { alertname: name },
      commonLabels: { alertname: name },
      commonAnnotations: {},
      alerts: [
        {
          status,
          labels: { alertname: name },
          annotations: {},
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
          fingerprint: `f-${name}`,
        },
      ],
    });
    const post = async (body: unknown) => {
      const response = await fetch(`${harness.url}/api/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
    };
    const gauge = async () => {
      const text = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(text, /# TYPE vigie_incidents gauge/);
      const values: Record<string, number> = {};
      for (const match of text.matchAll(/^vigie_incidents\{state="(\w+)",source="(\w+)"\} (\d+)$/gm))
        values[`${match[1]}/${match[2]}`] = Number(match[3]);
      return values;
    };

    it('counts incidents by state and source as they open, are acknowledged and resolve', async () => {
      assert.deepEqual(await gauge(), {});
      const first = await post(alert('GaugeA', 'firing'));
      await post(alert('GaugeB', 'firing'));
      await post(alert('GaugeC', 'firing'));
      assert.deepEqual(await gauge(), { 'firing/alertmanager': 3 });
      const operator = await harness.createUser('operator');
      const acked = await fetch(`${harness.url}/api/incidents/${first}/acknowledge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator.token}` },
      });
      assert.equal(acked.status, 200);
      await post(alert('GaugeB', 'resolved'));
      // A repeat of a firing group updates its incident: no new count.
      await post(alert('GaugeC', 'firing'));
      assert.deepEqual(await gauge(), { 'firing/alertmanager': 1, 'acknowledged/alertmanager': 1, 'resolved/alertmanager': 1 });
      await harness.app.incidents.service.idle();
    });
  });
}
