/**
 * Auto-diagnostics against a real host: a `vn…` network namespace joined to the root
 * namespace by a veth pair (198.18.21.1/30 here, 198.18.21.2/30 there; 198.18.0.0/15 only).
 * An alert with instance=198.18.21.2 runs `net check {{instance}}` through the pipeline as
 * system:incidents and the summary reports no problem and the stored
 * result shows the host answering ICMP; an instance outside the
 * network allowlist is refused by the tool. The namespace is removed afterwards. Skipped
 * when not root (namespaces need root) or when 198.18.21.0/30 is already in use.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { NetworkAnalyzer } from '../../src/tools/network/network-analyzer.js';
import { networkSettings } from '../../src/tools/network/network-settings.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { labUnavailableReason, sh } from '../network/support/lab-network.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import type { ToolsetDependencies } from '../../src/tools/toolset-dependencies.js';

const HOST = '198.18.21.2';
const unavailable =
  (await labUnavailableReason()) ??
  ((await sh('ip', ['-4', '-o', 'addr', 'show'])).includes('198.18.21.') ? '198.18.21.0/30 is already in use here' : null);

describe('incident diagnostics against a network namespace', { skip: unavailable ?? false, timeout: 120_000 }, () => {
  const tag = randomBytes(2).toString('hex');
  const namespace = `vn21b${tag}`;
  const [rootSide, nsSide] = [`vn21b${tag}a`, `vn21b${tag}b`];
  let harness: TestApp | undefined;
  let created = false;

  before(async () => {
    await sh('ip', ['netns', 'add', namespace]);
    created = true;
    await sh('ip', ['link', 'add', rootSide, 'type', 'veth', 'peer', 'name', nsSide]);
    await sh('ip', ['link', 'set', nsSide, 'netns', namespace]);
    await sh('ip', ['addr', 'add', '198.18.21.1/30', 'dev', rootSide]);
    await sh('ip', ['link', 'set', rootSide, 'up']);
    await sh('ip', ['-n', namespace, 'addr', 'add', `${HOST}/30`, 'dev', nsSide]);
    await sh('ip', ['-n', namespace, 'link', 'set', nsSide, 'up']);
    await sh('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    const database = await testBackends()[0]!.open();
    const analyzer = new NetworkAnalyzer({
      settings: networkSettings({ NET_ALLOWED_TARGETS: '198.18.21.0/30', NET_RATE_LIMIT_PER_MINUTE: '1000' }),
    });
    harness = await startTestApp(database, {
      tools: {
        toolsets: [
          coreToolset(database),
          networkToolset({ config: {} as ToolsetDependencies['config'], database, logger: pino({ level: 'silent' }) }, analyzer),
        ],
      },
      incidents: {
        routes: compileRoutes(
          { routes: [{ name: 'net', console: true, diagnostics: ['net check {{instance}}'], runbookSearch: false }] },
          'test',
        ),
      },
    });
  });
  after(async () => {
    await harness?.close();
    await harness?.database.close();
    // Deleting the namespace removes the veth pair with it.
    if (created) await sh('ip', ['netns', 'del', namespace]);
    const left = await sh('ip', ['-o', 'link', 'show']);
    assert.ok(!left.includes(rootSide), 'the veth pair is gone');
  });

  const open = async (token: string, name: string, instance: string) => {
    const alert = {
      version: '4',
      groupKey: `{}:{alertname="${name}"}`,
      status: 'firing',
      receiver: 'vigie',
      groupLabels: { alertname: name },
      commonLabels: { alertname: name, instance },
      commonAnnotations: {},
      alerts: [
        {
          status: 'firing',
          labels: { alertname: name, instance },
          annotations: {},
          startsAt: new Date().toISOString(),
          fingerprint: `f-${name}`,
        },
      ],
    };
    const response = await fetch(`${harness!.url}/api/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
  };
  const diagnosticsOf = async (id: string) =>
    (await harness!.app.incidents.store.timeline(id))
      .filter((entry) => entry.kind === 'diagnostic')
      .map((entry) => entry.details as { command: string; state: string; text: string });

  it('net check {{instance}} reports the namespace host reachable; an address outside the allowlist is refused', async () => {
    const token = (
      await harness!.app.incidents.hooks.create(
        { userId: '', userName: 'test', role: 'admin', tokenId: null },
        { source: 'alertmanager', name: 'netns' },
      )
    ).token;
    const reachable = await open(token, 'HostDownNs', HOST);
    const outside = await open(token, 'HostDownOutside', '198.18.22.2');
    await harness!.app.incidents.service.idle();

    const [line] = (await diagnosticsOf(reachable)).filter((entry) => entry.state !== 'running');
    assert.equal(line?.command, `net check ${HOST}`);
    assert.equal(line?.state, 'succeeded', JSON.stringify(line));
    assert.match(line!.text, /No problem found on 1 target/);
    // The stored execution says the host answered ICMP (echo replies received).
    const execution = await harness!.database.prisma.execution.findFirstOrThrow({
      where: { id: (line as { executionId?: string }).executionId! },
    });
    const result = JSON.stringify(execution.result);
    assert.ok(result.includes(`${HOST} answers`), result.slice(0, 2_000));
    assert.match(result, /"received":[1-9]/);
    const summary = await harness!.database.prisma.message.findFirstOrThrow({
      where: { conversationId: (await harness!.app.incidents.store.find(reachable)).conversationId! },
    });
    assert.match(summary.content, new RegExp(`net check ${HOST.replace(/\./g, '\\.')} — succeeded`));

    const [refused] = (await diagnosticsOf(outside)).filter((entry) => entry.state !== 'running');
    assert.equal(refused?.command, 'net check 198.18.22.2');
    assert.notEqual(refused?.state, 'succeeded', JSON.stringify(refused));
  });
});
