/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for the incident tests:
 * one process per test, its webhook receiver pointed at the test server with a hook token,
 * short group timings so notifications arrive within seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where the binary is (ALERTMANAGER_BIN overrides the Debian path). */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** A running Alertmanager. */
export interface AlertmanagerProcess {
  url: string;
  /** POST /api/v2/alerts. */
  postAlerts(
    alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }>,
  ): Promise<void>;
  stop(): Promise<void>;
}

/** Whether the binary is installed here. */
export function alertmanagerAvailable(): boolean {
  return existsSync(ALERTMANAGER_BIN);
}

/** Starts Alertmanager on `port` sending its webhook to `webhookUrl` with `token`. */
export async function startAlertmanager(port: number, webhookUrl: string, token: string): Promise<AlertmanagerProcess> {
  const directory = mkdtempSync(path.join(tmpdir(), 'vigie-am-'));
  const config = {
    route: { receiver: 'vigie', group_by: ['alertname'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h' },
    receivers: [
      {
        name: 'vigie',
        webhook_configs: [{ url: webhookUrl, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: token } } }],
      },
    ],
  };
  writeFileSync(path.join(directory, 'alertmanager.yml'), JSON.stringify(config));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${path.join(directory, 'alertmanager.yml')}`,
      `--storage.path=${path.join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${stderr.slice(-2000)}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready: ${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok) throw new Error(`alertmanager refused alerts: ${response.status} ${await response.text()}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
