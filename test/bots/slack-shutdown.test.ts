/**
 * One shutdown budget: with a Slack job still draining (its replies stuck in Slack's retries),
 * stop() returns when its share of SHUTDOWN_TIMEOUT_MS is spent instead of waiting for the
 * job, and the budget hands each later drain only what is left.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { createShutdownBudget, reserveFor } from '../../src/shutdown-budget.js';
import { testBackends } from '../support/test-databases.js';
import { postToSlackEndpoint, slashCommandBody } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import type { Database } from '../../src/db/database.js';

describe('shutdown budget', () => {
  it('gives the drains the total less a reserve, and what is left after each', () => {
    let clock = 1_000;
    const budget = createShutdownBudget(10_000, () => clock);
    assert.equal(reserveFor(10_000), 1_000);
    assert.equal(reserveFor(2_000), 400);
    assert.equal(budget.remainingMs(), 9_000);
    clock += 4_000;
    assert.equal(budget.remainingMs(), 5_000);
    clock += 60_000;
    assert.equal(budget.remainingMs(), 0, 'never negative');
  });

  it('bounds a drain that never ends and passes one that does', async () => {
    const budget = createShutdownBudget(50);
    assert.equal(await budget.bound(new Promise(() => undefined)), 'budget spent');
    assert.equal(await createShutdownBudget(60_000).bound(Promise.resolve()), 'done');
    assert.equal(await createShutdownBudget(60_000).bound(undefined), 'done');
  });
});

describe('slack drain within the shutdown budget', { timeout: 60_000 }, () => {
  let database: Database;
  let harness: SlackTestApp;
  before(async () => {
    database = await testBackends()[0]!.open();
    harness = await startSlackTestApp(database, { tools: { toolsets: [coreToolset(database)] } });
  });
  after(async () => {
    await harness?.close();
    await database?.close();
  });

  it('stops while an acked Slack job is still running', async () => {
    await harness.linkedUser('operator', 'USHUTDOWN');
    // Every reply fails with 500: the Web API client retries with backoff for seconds.
    harness.slack.failNext('chat.postMessage', 500, 1_000);
    const trigger = `shutdown-${randomUUID()}`;
    const body = slashCommandBody({ user: 'USHUTDOWN', text: 'status', trigger, responseUrl: `${harness.slack.url}/response/${trigger}` });
    const response = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded');
    assert.equal(response.status, 200, 'acked');
    const budget = createShutdownBudget(1_000);
    await harness.bots.slack!.stop(budget.remainingMs());
    assert.equal(harness.slack.calls.filter((call) => call.method === 'chat.postMessage').length, 0, 'nothing delivered yet');
    // Slack recovers: the job that stop() did not wait for is still retrying, and now delivers.
    harness.slack.failNext('chat.postMessage', 500, 0);
    await harness.slack.waitFor((call) => call.method === 'chat.postMessage' && String(call.params.text).includes('USHUTDOWN'), 20_000);
  });
});
