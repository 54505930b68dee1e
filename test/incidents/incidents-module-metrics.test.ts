/**
 * The incidents module declares its metrics like the other capability modules (issue #19):
 * its `metrics` list is every incident and schedule metric on the app's registry, each served
 * once on /metrics, and building the module again on the same core (a second app sharing the
 * registry) reuses them instead of registering them twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Metric } from 'prom-client';
import { incidentsCapability } from '../../src/incidents/incidents-module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const backend = testBackends()[0]!;
const nameOf = (metric: Metric | { name: string }) => (metric as unknown as { name: string }).name;
/** The names of the incidents capability's metrics, as prefixes the registry can be searched by. */
const OWN = /^vigie_(incident|schedule)/;

describe(`the incidents module's metrics (${backend.name})`, { timeout: 60_000 }, () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp(await backend.open(), { incidents: { routes: [] } });
  });
  after(async () => {
    await harness?.close();
    await harness?.database.close();
  });

  const scrape = async () => {
    const response = await fetch(`${harness.url}/metrics`);
    assert.equal(response.status, 200);
    return response.text();
  };
  const typeLines = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`# TYPE ${name} `));

  it('lists every incident and schedule metric of the registry, each on /metrics once', async () => {
    const module = harness.app.modules.find((candidate) => candidate.name === 'incidents');
    assert.ok(module, 'the incidents module is built');
    const listed = (module.metrics ?? []).map(nameOf);
    assert.ok(listed.length > 0, 'the module declares metrics');
    assert.equal(new Set(listed).size, listed.length, `no metric listed twice: ${listed.join(', ')}`);
    // Complete: whatever incidents and schedules registered is in the list, and nothing else.
    const registered = harness.app.metrics
      .getMetricsAsArray()
      .map(nameOf)
      .filter((name) => OWN.test(name));
    assert.deepEqual([...listed].sort(), registered.sort());
    for (const metric of module.metrics ?? []) assert.equal(harness.app.metrics.getSingleMetric(nameOf(metric)), metric);

    const text = await scrape();
    for (const name of listed) assert.equal(typeLines(text, name).length, 1, `${name} served once`);
  });

  it('is built again on the same registry without registering anything twice', async () => {
    const first = harness.app.modules.find((candidate) => candidate.name === 'incidents')!;
    const registeredBefore = harness.app.metrics.getMetricsAsArray().length;
    const again = incidentsCapability({ routes: [] }).create(harness.app.core);
    try {
      assert.equal(harness.app.metrics.getMetricsAsArray().length, registeredBefore, 'no new metric on the registry');
      assert.deepEqual((again.metrics ?? []).map(nameOf), (first.metrics ?? []).map(nameOf));
      (again.metrics ?? []).forEach((metric, index) => assert.equal(metric, first.metrics![index], `${nameOf(metric)} shared`));
      const text = await scrape();
      for (const metric of again.metrics ?? []) assert.equal(typeLines(text, nameOf(metric)).length, 1, `${nameOf(metric)} served once`);
    } finally {
      for (const job of again.jobs ?? []) await job.close();
    }
  });
});
