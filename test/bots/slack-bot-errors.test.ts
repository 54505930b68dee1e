/**
 * The Slack adapter's defences on every backend, split from slack-bot.test.ts: bad
 * signatures, stale or future timestamps and oversized bodies are refused before anything
 * runs; malformed commands, forged buttons, bot events and garbage JSON get a clear error
 * and no crash; Slack API errors and rate limits are retried with backoff.
 */
import { request as httpRequest } from 'node:http';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, type ToolCalls } from '../agents/support/test-toolsets.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { blockActionBody, eventBody, postToSlackEndpoint, slackSignature, slashCommandBody } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { slackDriver } from './support/slack-driver.js';

const run = randomUUID().slice(0, 8);
const uid = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

for (const backend of testBackends()) {
  describe(`slack bot defences on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    let redis: Redis | undefined;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();

    const { command, threadAnswer, parentOf } = slackDriver(() => harness, run);

    before(async () => {
      if (process.env.REDIS_URL) redis = new Redis(process.env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
      harness = await startSlackTestApp(await database, {
        ...(redis ? { redis } : {}),
        tools: {
          toolsets: [coreToolset(await database), testOpsToolset(calls)],
          allowlist: { slack: { CMAIN: ['*'], CLOCKED: ['test_ops'], DDM1: ['core'] } },
        },
      });
    });
    after(async () => {
      await harness?.close();
      await (await database).close();
      await redis?.quit();
    });

    it('refuses bad signatures and stale timestamps with 401 and runs nothing', async () => {
      const body = slashCommandBody({
        user: 'UNOBODY',
        text: 'status',
        trigger: `${run}-bad`,
        responseUrl: `${harness.slack.url}/response/bad`,
      });
      const forged = await fetch(harness.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature('wrong-secret', body) },
        body,
      });
      assert.equal(forged.status, 401);
      const stale = await fetch(harness.eventsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...slackSignature(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600),
        },
        body,
      });
      assert.equal(stale.status, 401);
      const unsigned = await fetch(harness.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      assert.equal(unsigned.status, 401);
      // A valid signature over a timestamp from the future is refused like a stale one.
      const future = await fetch(harness.eventsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...slackSignature(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 3_600),
        },
        body,
      });
      assert.equal(future.status, 401);
      // BODY_LIMIT (1mb by default) applies here too, signed or not: 413 before any parsing.
      const huge = JSON.stringify({
        type: 'event_callback',
        team_id: 'T1',
        event_id: 'Ehuge',
        event: { type: 'app_mention', user: 'UNOBODY', text: 'x'.repeat(2_000_000), channel: 'C1', ts: '1.1' },
      });
      // On its own connection (agent: false): the server answers before reading the whole upload.
      const tooLarge = await new Promise<number>((resolve, reject) => {
        const outgoing = httpRequest(
          harness.eventsUrl,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...slackSignature(SIGNING_SECRET, huge) } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(huge);
      });
      assert.equal(tooLarge, 413);
      const prisma = (await database).prisma;
      assert.equal(await prisma.externalIdentity.count({ where: { externalId: 'UNOBODY' } }), 0);
    });

    it('answers malformed input with a clear error and no crash', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      // Too long a command: refused to the requester only, nothing stored.
      const long = await command(user, 'x'.repeat(5_000));
      assert.equal(long.status, 200);
      const ephemeral = await harness.slack.waitFor(
        (call) => call.method === 'response_url' && String(call.params.text).includes('limited to 4000'),
      );
      assert.equal(ephemeral.params.response_type, 'ephemeral');
      // Unparseable arguments: a readable error in the thread.
      await command(user, 'restart_service {not json');
      const parent = await parentOf(user, '{not json');
      await threadAnswer(String(parent.response.ts), 'not a valid JSON object');
      // A button with a forged execution id.
      const click = blockActionBody({
        user,
        messageTs: '1700000000.000001',
        blocks: [],
        actionId: 'vigie_approve',
        value: 'not-a-uuid',
        responseUrl: `${harness.slack.url}/response/x`,
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, click, 'application/x-www-form-urlencoded')).status, 200);
      await harness.slack.waitFor(
        (call) =>
          call.method === 'chat.postEphemeral' && call.params.user === user && String(call.params.text).includes('valid execution id'),
      );
      // An event without a user (e.g. a bot message) and garbage JSON.
      const botEvent = eventBody(`Ev${run}${uid('')}`, {
        type: 'app_mention',
        bot_id: 'B1',
        channel: 'CMAIN',
        text: 'hi',
        ts: '1700000600.000001',
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, botEvent, 'application/json')).status, 200);
      const garbage = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, '{"type":', 'application/json');
      assert.ok(garbage.status >= 400 && garbage.status < 500, `garbage JSON gets a 4xx, got ${garbage.status}`);
      // The app still serves.
      assert.equal((await fetch(harness.eventsUrl.replace('/slack/events', '/health'))).status, 200);
    });

    it('retries Slack API errors and rate limits with backoff', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      harness.slack.failNext('chat.postMessage', 429, 1);
      await command(user, 'status');
      const parent = await parentOf(user, 'status');
      harness.slack.failNext('chat.postMessage', 500, 2);
      await threadAnswer(String(parent.response.ts), 'system_status: Vigie');
    });
  });
}
