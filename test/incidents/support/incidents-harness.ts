/**
 * The app the incident tests share: the real app with incident routes (a `net` route posting
 * to a fake Slack API, a `storage` route), the core and test-ops toolsets, the core-router
 * runbook indexed, and small HTTP helpers that send the admin token unless told otherwise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Database } from '../../../src/db/database.js';
import { compileRoutes } from '../../../src/incidents/incident-routing.js';
import { coreToolset } from '../../../src/tools/core/core-toolset.js';
import { testOpsToolset, type ToolCalls } from '../../agents/support/test-toolsets.js';
import { startFakeSlack, type FakeSlack } from '../../bots/support/fake-slack.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

const RUNBOOK = readFileSync(new URL('../../fixtures/runbooks/core-router-failover.md', import.meta.url), 'utf8');

/** The routing table the incident tests run with. */
export const INCIDENT_TEST_ROUTES = {
  routes: [
    {
      name: 'net',
      matchers: ['severity=~"critical|page"', 'team="net"'],
      slack: { channel: 'CINC' },
      console: true,
      diagnostics: ['system status', 'restart {{instance}}'],
      runbookSearch: true,
    },
    { name: 'storage', matchers: ['team="storage"'], console: true, runbookSearch: false },
  ],
};

/** Options of one API call. */
export interface ApiCall {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
}

/** `fetch` on the app: JSON bodies, the admin token unless `token` is given ('' for none). */
export function incidentApi(app: () => TestApp) {
  const api = (path: string, init: ApiCall = {}) => {
    const harness = app();
    const hasBody = init.body !== undefined || init.raw !== undefined;
    return fetch(`${harness.url}${path}`, {
      method: init.method ?? (hasBody ? 'POST' : 'GET'),
      headers: {
        ...(init.token === '' ? {} : { authorization: `Bearer ${init.token ?? harness.adminToken}` }),
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  };
  const json = async (response: Response) => (await response.json()) as Record<string, any>;
  return { api, json };
}

/** Starts a fake Slack and the app with incidents on `database`, and indexes the runbook. */
export async function startIncidentsApp(database: Database, calls: ToolCalls): Promise<{ harness: TestApp; slack: FakeSlack }> {
  const slack = await startFakeSlack();
  const harness = await startTestApp(database, {
    tools: { toolsets: [coreToolset(database), testOpsToolset(calls)] },
    incidents: { routes: compileRoutes(INCIDENT_TEST_ROUTES, 'test'), targets: { slack: { token: 'xoxb-test', apiUrl: slack.apiUrl } } },
  });
  const { api } = incidentApi(() => harness);
  const indexed = await api('/api/documents', { body: { title: 'Core router failover', content: RUNBOOK, contentType: 'text/markdown' } });
  assert.equal(indexed.status, 201, await indexed.text());
  return { harness, slack };
}
