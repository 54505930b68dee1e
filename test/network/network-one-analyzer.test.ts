/**
 * One network analyzer per process (issue #19): POST /api/network-analysis and the net_*
 * tools reached through /api/commands (the pipeline every chat channel uses) share one
 * per-user NET_RATE_LIMIT_PER_MINUTE budget and one vigie_network_runs_total.
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

/** Sum of vigie_network_runs_total over its labels, read from /metrics. */
async function networkRuns(client: ReturnType<typeof apiClient>): Promise<number> {
  const metrics = await client.get('/metrics');
  assert.equal(metrics.status, 200);
  return metrics.text
    .split('\n')
    .filter((line) => line.startsWith('vigie_network_runs_total{'))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
}

const backend = testBackends()[0]!;

describe(`one network analyzer for REST and the tool pipeline (${backend.name})`, () => {
  let harness: TestApp;
  let server: net.Server;
  let port: number;

  before(async () => {
    harness = await startTestApp(await backend.open(), { config: { NET_ALLOWED_TARGETS: '127.0.0.0/8', NET_RATE_LIMIT_PER_MINUTE: 2 } });
    server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await harness?.close();
    await harness?.database.close();
  });

  it('counts REST and /api/commands runs of one user against one limit', async () => {
    const alice = apiClient(harness.url, (await harness.createUser('operator', `net-one-alice-${Date.now()}`)).token);
    const body = { targets: ['127.0.0.1'], checks: ['tcp'], options: { ports: [port] } };
    assert.equal((await alice.post('/api/network-analysis', body)).status, 201);
    assert.equal((await alice.post('/api/network-analysis', body)).status, 201);
    const third = await alice.post('/api/commands', { text: `net check 127.0.0.1 ports=${port} checks=tcp` });
    assert.equal(third.status, 200, JSON.stringify(third.body));
    assert.equal(third.body.status, 'failed', JSON.stringify(third.body));
    assert.equal(third.body.result?.error?.code, 'rate_limited', JSON.stringify(third.body));
    // And the other way round: the REST route now refuses too (429).
    assert.equal((await alice.post('/api/network-analysis', body)).status, 429);
  });

  it('counts runs from the command path in vigie_network_runs_total', async () => {
    const admin = apiClient(harness.url, harness.adminToken);
    const bob = apiClient(harness.url, (await harness.createUser('operator', `net-one-bob-${Date.now()}`)).token);
    const before = await networkRuns(admin);
    const run = await bob.post('/api/commands', { text: `net check 127.0.0.1 ports=${port} checks=tcp` });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
    assert.equal(await networkRuns(admin), before + 1, 'the chat tool counted its run on the app registry');
    assert.equal(
      (await bob.post('/api/network-analysis', { targets: ['127.0.0.1'], checks: ['tcp'], options: { ports: [port] } })).status,
      201,
    );
    assert.equal(await networkRuns(admin), before + 2, 'REST and the tool count into the same series');
  });
});
