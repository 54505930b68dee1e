/**
 * The incidents benchmark's diagnostics phase: a `vn21d…` network namespace with three
 * reachable hosts (198.18.21.10–12 behind 198.18.21.9/29, root only), a route running three
 * network diagnostics (net check, net path, net check) through the pipeline, and alerts timed
 * from the webhook POST to the Slack summary edit that carries all three results. Returns
 * p50/p95, or the reason it was skipped (not root, no `ip netns`, subnet in use).
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { Database } from '../../src/db/database.js';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { NetworkAnalyzer } from '../../src/tools/network/network-analyzer.js';
import { networkSettings } from '../../src/tools/network/network-settings.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import type { ToolsetDependencies } from '../../src/tools/toolset-dependencies.js';
import type { FakeSlack } from '../../test/bots/support/fake-slack.js';
import { labUnavailableReason, sh } from '../../test/network/support/lab-network.js';
import { startTestApp } from '../../test/support/test-app.js';

const HOSTS = ['198.18.21.10', '198.18.21.11', '198.18.21.12'];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
};

/** Runs the phase; never leaves the namespace behind. */
export async function diagnosticsPhase(options: {
  database: Database;
  slack: FakeSlack;
  run: string;
  alerts: number;
}): Promise<{ skipped: string } | { alerts: number; diagnostics: string[]; p50Ms: number; p95Ms: number; firstSummaryP95Ms: number }> {
  const unavailable =
    (await labUnavailableReason()) ??
    ((await sh('ip', ['-4', '-o', 'addr', 'show'])).includes('198.18.21.9/') ? '198.18.21.8/29 is already in use' : null);
  if (unavailable) return { skipped: unavailable };
  const tag = randomBytes(2).toString('hex');
  const namespace = `vn21d${tag}`;
  const [rootSide, nsSide] = [`vn21d${tag}a`, `vn21d${tag}b`];
  const diagnostics = ['net check {{instance}}', 'net path {{b}}', 'net check {{c}}'];
  await sh('ip', ['netns', 'add', namespace]);
  try {
    await sh('ip', ['link', 'add', rootSide, 'type', 'veth', 'peer', 'name', nsSide]);
    await sh('ip', ['link', 'set', nsSide, 'netns', namespace]);
    await sh('ip', ['addr', 'add', '198.18.21.9/29', 'dev', rootSide]);
    await sh('ip', ['link', 'set', rootSide, 'up']);
    for (const host of HOSTS) await sh('ip', ['-n', namespace, 'addr', 'add', `${host}/29`, 'dev', nsSide]);
    await sh('ip', ['-n', namespace, 'link', 'set', nsSide, 'up']);
    await sh('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    const { database, slack, run } = options;
    const analyzer = new NetworkAnalyzer({
      settings: networkSettings({ NET_ALLOWED_TARGETS: '198.18.21.8/29', NET_RATE_LIMIT_PER_MINUTE: '10000' }),
    });
    const harness = await startTestApp(database, {
      tools: {
        toolsets: [
          coreToolset(database),
          networkToolset({ config: {} as ToolsetDependencies['config'], database, logger: pino({ level: 'silent' }) }, analyzer),
        ],
      },
      incidents: {
        routes: compileRoutes(
          { routes: [{ name: 'diag', slack: { channel: 'CDIAG' }, console: true, diagnostics, runbookSearch: false }] },
          'bench',
        ),
        targets: { slack: { token: 'xoxb-bench', apiUrl: slack.apiUrl } },
      },
    });
    try {
      const token = (
        await harness.app.incidents.hooks.create(
          { userId: '', userName: 'bench', role: 'admin', tokenId: null },
          { source: 'alertmanager', name: `diag-${run}` },
        )
      ).token;
      const complete: number[] = [];
      const first: number[] = [];
      for (let index = 0; index < options.alerts; index += 1) {
        const alertName = `Diag${run}N${index}`;
        const labels = { alertname: alertName, severity: 'critical', instance: HOSTS[0]!, b: HOSTS[1]!, c: HOSTS[2]! };
        const started = performance.now();
        const posted = slack
          .waitFor((call) => call.method === 'chat.postMessage' && String(call.params.text).includes(`${alertName} `), 30_000)
          .then(() => first.push(performance.now() - started));
        const done = slack.waitFor((call) => {
          const text = String(call.params.text);
          return (
            call.method === 'chat.update' &&
            text.includes(`${alertName} `) &&
            !text.includes('running…') &&
            (text.match(/ — (succeeded|failed|refused):/g) ?? []).length >= 3
          );
        }, 60_000);
        const response = await fetch(`${harness.url}/api/hooks/alertmanager`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            version: '4',
            groupKey: `{}:{alertname="${alertName}"}`,
            status: 'firing',
            receiver: 'vigie',
            groupLabels: { alertname: alertName },
            commonLabels: labels,
            commonAnnotations: {},
            alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString(), fingerprint: `d${index}` }],
          }),
        });
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
        const call = await done;
        complete.push(performance.now() - started);
        await posted;
        const failed = (String(call.params.text).match(/ — (failed|refused):/g) ?? []).length;
        if (failed > 0) throw new Error(`a diagnostic on a reachable host failed: ${String(call.params.text).slice(0, 600)}`);
      }
      await harness.app.incidents.service.idle();
      return {
        alerts: options.alerts,
        diagnostics,
        p50Ms: percentile(complete, 50),
        p95Ms: percentile(complete, 95),
        firstSummaryP95Ms: percentile(first, 95),
      };
    } finally {
      await harness.close();
    }
  } finally {
    // Deleting the namespace removes the veth pair with it.
    await sh('ip', ['netns', 'del', namespace]);
  }
}
