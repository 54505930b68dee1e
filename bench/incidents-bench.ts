/**
 * `npm run bench:incidents`: (1) alert → first summary: Alertmanager v4 notifications, each a
 * new group, posted to the real app until the summary reaches a fake Slack Web API over real
 * HTTP (no diagnostics); p50/p95, with the same run's bare fake-Slack round trip as baseline.
 * (2) 1,000 notifications across 100 groups, 20 at a time: every one accepted, exactly 100
 * incidents, notification counts summing to 1,000 (no loss, no duplicate). (3) As root, with
 * three network diagnostics (net check, net path, net check) on reachable hosts in a `vn21…`
 * namespace (198.18.21.8/29): alert → summary carrying all three results. One JSON line.
 */
import { openBenchDatabase } from './support/bench-database.js';
import { compileRoutes } from '../src/incidents/incident-routing.js';
import { startFakeSlack } from '../test/bots/support/fake-slack.js';
import { startTestApp } from '../test/support/test-app.js';
import { diagnosticsPhase } from './support/incident-diagnostics-phase.js';

const LATENCY_ALERTS = Number(process.env.BENCH_INCIDENT_ALERTS ?? 50);
const NOTIFICATIONS = 1_000;
const GROUPS = 100;
const CONCURRENCY = 20;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
};

const payload = (run: string, group: number, sequence: number) => ({
  version: '4',
  groupKey: `{}:{alertname="Bench${run}G${group}"}`,
  status: 'firing',
  receiver: 'vigie',
  groupLabels: { alertname: `Bench${run}G${group}` },
  commonLabels: { alertname: `Bench${run}G${group}`, severity: 'warning' },
  commonAnnotations: { summary: 'bench' },
  alerts: [
    {
      status: 'firing',
      labels: { alertname: `Bench${run}G${group}`, instance: `host-${sequence % 7}` },
      annotations: {},
      startsAt: new Date().toISOString(),
      fingerprint: `f${group}-${sequence % 7}`,
    },
  ],
});

async function main(): Promise<void> {
  const bench = await openBenchDatabase('vigie_bench_incidents', { poolSize: 20, embeddedWithoutUrl: true });
  const { database } = bench;
  const slack = await startFakeSlack();
  const run = Date.now().toString(36);
  try {
    const harness = await startTestApp(database, {
      incidents: {
        routes: compileRoutes({ routes: [{ name: 'bench', slack: { channel: 'CBENCH' }, console: true, runbookSearch: false }] }, 'bench'),
        targets: { slack: { token: 'xoxb-bench', apiUrl: slack.apiUrl } },
      },
    });
    const token = (
      await harness.app.incidents.hooks.create(
        { userId: '', userName: 'bench', role: 'admin', tokenId: null },
        { source: 'alertmanager', name: `bench-${run}` },
      )
    ).token;
    const post = (body: unknown) =>
      fetch(`${harness.url}/api/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    // (1) Alert → first summary on Slack, one new group at a time.
    const latencies: number[] = [];
    const baseline: number[] = [];
    for (let index = 0; index < LATENCY_ALERTS; index += 1) {
      const alertName = `Bench${run}L${index}`;
      const started = performance.now();
      const seen = slack.waitFor(
        (call) => call.method === 'chat.postMessage' && String(call.params.text).includes(`${alertName} `),
        30_000,
      );
      const response = await post({
        ...payload(run, -1 - index, 0),
        groupKey: `{}:{alertname="${alertName}"}`,
        groupLabels: { alertname: alertName },
        commonLabels: { alertname: alertName, severity: 'warning' },
      });
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      await seen;
      latencies.push(performance.now() - started);
      const bare = performance.now();
      await fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'CBARE', text: 'baseline' }),
      });
      baseline.push(performance.now() - bare);
    }
    await harness.app.incidents.service.idle();

    // (2) 1,000 notifications across 100 groups, 20 in flight.
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < NOTIFICATIONS) {
          const sequence = next++;
          const response = await post(payload(run, sequence % GROUPS, sequence));
          if (response.status !== 200) failures += 1;
          await response.arrayBuffer();
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    await harness.app.incidents.service.idle();
    const [counts] = await database.sql.query<{ incidents: number; notifications: number }>(
      `SELECT count(*)::int AS incidents, coalesce(sum(notifications), 0)::int AS notifications FROM incidents WHERE alert_name LIKE $1`,
      [`Bench${run}G%`],
    );
    await harness.close();

    // (3) With three network diagnostics on namespace hosts (root only; skipped with a reason otherwise).
    const diagnostics = await diagnosticsPhase({ database, slack, run, alerts: Number(process.env.BENCH_INCIDENT_DIAG_ALERTS ?? 10) });

    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    process.stdout.write(
      JSON.stringify({
        suite: 'incidents',
        backend: database.backend,
        firstSummary: { alerts: LATENCY_ALERTS, p50Ms: p50, p95Ms: p95 },
        baseline: { what: 'bare fake-Slack chat.postMessage round trip', p50Ms: percentile(baseline, 50), p95Ms: percentile(baseline, 95) },
        ratio: Math.round((p95 / Math.max(percentile(baseline, 95), 0.01)) * 100) / 100,
        ingest: {
          notifications: NOTIFICATIONS,
          groups: GROUPS,
          concurrency: CONCURRENCY,
          failures,
          seconds: Math.round(ingestSeconds * 100) / 100,
          perMinute: Math.round((NOTIFICATIONS / ingestSeconds) * 60),
          incidents: counts!.incidents,
          notificationsStored: counts!.notifications,
        },
        withDiagnostics: diagnostics,
        floor: {
          firstSummaryP95Ms: 2_000,
          withDiagnosticsP95Ms: 15_000,
          met:
            p95 < 2_000 &&
            failures === 0 &&
            counts!.incidents === GROUPS &&
            counts!.notifications === NOTIFICATIONS &&
            NOTIFICATIONS / ingestSeconds >= NOTIFICATIONS / 60 &&
            ('skipped' in diagnostics || diagnostics.p95Ms < 15_000),
        },
        loadavg: (await import('node:os')).loadavg().map((value) => Math.round(value * 100) / 100),
      }) + '\n',
    );
  } finally {
    await slack.close();
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
