/**
 * The Slack adapter end to end on every backend: signed requests into our real app (Bolt's
 * receiver on our Express server), the real pipeline and database, and a fake Slack Web API
 * over real HTTP recording what the bot sends back.
 */
import { request as httpRequest } from 'node:http';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { BotIdentities } from '../../src/bots/bot-identities.js';
import { ForbiddenError } from '../../src/errors.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { blockActionBody, eventBody, postToSlackEndpoint, slackSignature, slashCommandBody } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';

const run = randomUUID().slice(0, 8);
const uid = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

for (const backend of testBackends()) {
  describe(`slack bot on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    let redis: Redis | undefined;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();

    const command = (user: string, text: string, extra: { channel?: string; trigger?: string } = {}) => {
      const trigger = extra.trigger ?? `${run}-${randomUUID()}`;
      const body = slashCommandBody({ user, text, trigger, responseUrl: `${harness.slack.url}/response/${trigger}`, ...(extra.channel ? { channel: extra.channel } : {}) });
      return postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded').then((response) => ({ ...response, trigger }));
    };
    const threadAnswer = (threadTs: string, contains: string) =>
      harness.slack.waitFor((call) => call.method === 'chat.postMessage' && call.params.thread_ts === threadTs && String(call.params.text).includes(contains));
    const parentOf = (user: string, text: string) =>
      harness.slack.waitFor((call) => call.method === 'chat.postMessage' && !call.params.thread_ts && String(call.params.text).includes(`<@${user}>`) && String(call.params.text).includes(text));

    before(async () => {
      if (process.env.REDIS_URL) redis = new Redis(process.env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
      harness = await startSlackTestApp(await database, {
        ...(redis ? { redis } : {}),
        tools: { toolsets: [coreToolset(await database), testOpsToolset(calls)], allowlist: { slack: { CMAIN: ['*'], CLOCKED: ['test_ops'], DDM1: ['core'] } } },
      });
    });
    after(async () => {
      await harness?.close();
      await (await database).close();
      await redis?.quit();
    });

    it('refuses bad signatures and stale timestamps with 401 and runs nothing', async () => {
      const body = slashCommandBody({ user: 'UNOBODY', text: 'status', trigger: `${run}-bad`, responseUrl: `${harness.slack.url}/response/bad` });
      const forged = await fetch(harness.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature('wrong-secret', body) }, body });
      assert.equal(forged.status, 401);
      const stale = await fetch(harness.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600) }, body });
      assert.equal(stale.status, 401);
      const unsigned = await fetch(harness.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      assert.equal(unsigned.status, 401);
      // A valid signature over a timestamp from the future is refused like a stale one.
      const future = await fetch(harness.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 3_600) }, body });
      assert.equal(future.status, 401);
      // BODY_LIMIT (1mb by default) applies here too, signed or not: 413 before any parsing.
      const huge = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ehuge', event: { type: 'app_mention', user: 'UNOBODY', text: 'x'.repeat(2_000_000), channel: 'C1', ts: '1.1' } });
      // On its own connection (agent: false): the server answers before reading the whole upload.
      const tooLarge = await new Promise<number>((resolve, reject) => {
        const outgoing = httpRequest(harness.eventsUrl, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...slackSignature(SIGNING_SECRET, huge) } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        outgoing.on('error', reject);
        outgoing.end(huge);
      });
      assert.equal(tooLarge, 413);
      const prisma = (await database).prisma;
      assert.equal(await prisma.externalIdentity.count({ where: { externalId: 'UNOBODY' } }), 0);
    });

    it('acks a slash command at once and answers the tool result in a thread, recorded in the conversation', async () => {
      const user = uid('UOP');
      const userId = await harness.linkedUser('operator', user);
      const response = await command(user, 'status');
      assert.equal(response.status, 200);
      const parent = await parentOf(user, 'status');
      const answer = await threadAnswer(String(parent.response.ts), 'system_status: Vigie');
      const blocks = answer.params.blocks as Array<{ type: string; text?: { text: string } }>;
      // The result view (health fields), not a JSON dump.
      assert.match(JSON.stringify(blocks), /\*Database\*\\n/);
      assert.ok(!JSON.stringify(blocks).includes('uptimeSeconds'), 'no JSON dump');
      const prisma = (await database).prisma;
      const conversation = await prisma.conversation.findFirstOrThrow({ where: { originChannel: 'slack', ownerId: userId }, include: { messages: { orderBy: { createdAt: 'asc' } } } });
      assert.match(conversation.externalRef ?? '', /^slack:T1:CMAIN:1700000000\.\d{6}$/);
      assert.deepEqual(conversation.messages.map((message) => [message.role, message.channel]), [['user', 'slack'], ['assistant', 'slack']]);
      const execution = await prisma.execution.findFirstOrThrow({ where: { requesterId: userId, tool: 'system_status' } });
      assert.equal(execution.status, 'succeeded');
      assert.equal((execution.externalIds as Record<string, string>).channelId, 'CMAIN');
    });

    it('renders a knowledge search as cited passages and linked sources, not JSON', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      const topic = `zephyr${run}`;
      await harness.app.context.knowledge.ingestBytes({ bytes: Buffer.from(`When the ${topic} router flaps, check BGP timers first.`), contentType: 'text/plain', title: `${topic} runbook`, sourceUrl: `https://wiki.example/${topic}` });
      await command(user, `kb ${topic}`);
      const parent = await parentOf(user, topic);
      const answer = await harness.slack.waitFor((call) => call.method === 'chat.postMessage' && call.params.thread_ts === parent.response.ts);
      const blocks = JSON.stringify(answer.params.blocks);
      assert.match(blocks, /1 passage for “zephyr\w+”/);
      assert.match(blocks, /When the zephyr\w+ router flaps, check BGP timers first\. \[1\]/);
      assert.match(blocks, new RegExp(`<https://wiki\\.example/${topic}\\|${topic} runbook>`));
      assert.ok(!blocks.includes('"citations"') && !blocks.includes('```'), 'no JSON dump');
    });

    it('keeps a thread in one conversation and never runs a retried delivery twice', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      await command(user, 'help');
      const parent = await parentOf(user, 'help');
      const threadTs = String(parent.response.ts);
      await threadAnswer(threadTs, 'Commands');
      const eventId = `Ev${run}${uid('')}`;
      const body = eventBody(eventId, { type: 'app_mention', user, channel: 'CMAIN', text: '<@UBOT> status', ts: '1700000500.000001', thread_ts: threadTs });
      const first = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json');
      assert.equal(first.status, 200);
      const retried = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
      assert.equal(retried.status, 200);
      await threadAnswer(threadTs, 'system_status: Vigie');
      const prisma = (await database).prisma;
      const conversation = await prisma.conversation.findFirstOrThrow({ where: { externalRef: `slack:T1:CMAIN:${threadTs}` } });
      await waitFor(async () => (await prisma.message.count({ where: { conversationId: conversation.id } })) === 4);
      // A third delivery after the answer changes nothing either.
      await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json', { 'x-slack-retry-num': '2' });
      const messages = await prisma.message.findMany({ where: { conversationId: conversation.id }, orderBy: { createdAt: 'asc' } });
      assert.deepEqual(messages.map((message) => message.content), ['help', messages[1]!.content, 'status', messages[3]!.content]);
      assert.equal(harness.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params.thread_ts === threadTs && String(call.params.text).includes('system_status: Vigie')).length, 1);
    });

    it('answers direct messages in a thread of the DM', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      const body = eventBody(`Ev${run}${uid('')}`, { type: 'message', channel_type: 'im', user, channel: 'DDM1', text: 'status', ts: '1700000700.000001' });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
      const answer = await threadAnswer('1700000700.000001', 'system_status: Vigie');
      assert.equal(answer.params.channel, 'DDM1');
      // A message in a public channel without a mention is not for Vigie.
      const ignored = eventBody(`Ev${run}${uid('')}`, { type: 'message', channel_type: 'channel', user, channel: 'CMAIN', text: 'status', ts: '1700000701.000001' });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, ignored, 'application/json')).status, 200);
      await assert.rejects(harness.slack.waitFor((call) => call.params.thread_ts === '1700000701.000001', 1_000), /no matching call/);
    });

    it('approves with a button for an allowed user, refuses a viewer, and shows who decided', async () => {
      const requester = uid('UOP');
      const viewer = uid('UVW');
      const approver = uid('UOP');
      await harness.linkedUser('operator', requester);
      await harness.linkedUser('viewer', viewer);
      const approverId = await harness.linkedUser('operator', approver);
      await command(requester, 'restart_service nginx-approve');
      const parent = await parentOf(requester, 'nginx-approve');
      const answer = await threadAnswer(String(parent.response.ts), 'waiting for approval');
      const blocks = answer.params.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string }> }>;
      const buttons = blocks.find((block) => block.type === 'actions')!.elements!;
      assert.deepEqual(buttons.map((button) => button.action_id), ['vigie_approve', 'vigie_deny']);
      const executionId = buttons[0]!.value;
      const click = (user: string) =>
        postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, blockActionBody({ user, messageTs: String(answer.response.ts), blocks, actionId: 'vigie_approve', value: executionId, responseUrl: `${harness.slack.url}/response/click` }), 'application/x-www-form-urlencoded');

      assert.equal((await click(viewer)).status, 200);
      const refusal = await harness.slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.params.user === viewer);
      assert.match(String(refusal.params.text), /^Not approved/);
      const prisma = (await database).prisma;
      assert.equal((await prisma.execution.findUniqueOrThrow({ where: { id: executionId } })).status, 'pending_approval');
      assert.ok(!calls.restarts.includes('nginx-approve'));

      assert.equal((await click(approver)).status, 200);
      const update = await harness.slack.waitFor((call) => call.method === 'chat.update' && String(call.params.text).includes('approved'));
      const updated = JSON.stringify(update.params.blocks);
      assert.match(updated, /Approved by slack-operator/);
      assert.match(updated, /restarted/);
      assert.ok(!updated.includes('vigie_approve'), 'the buttons are gone once decided');
      const execution = await prisma.execution.findUniqueOrThrow({ where: { id: executionId } });
      assert.equal(execution.status, 'succeeded');
      assert.equal(execution.approverId, approverId);
      assert.deepEqual(calls.restarts.filter((service) => service === 'nginx-approve'), ['nginx-approve']);
      const audit = await prisma.auditEvent.findMany({ where: { executionId }, orderBy: { id: 'asc' } });
      assert.ok(audit.some((event) => event.action === 'execution.approved' && event.channel === 'slack'));

      // A second click on the stale button is refused, not run again.
      await click(approver);
      await harness.slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.params.user === approver && /already decided|not pending/.test(String(call.params.text)));
      assert.equal(calls.restarts.filter((service) => service === 'nginx-approve').length, 1);
    });

    it('gives unmapped users their own viewer identity, so read tools work and mutating ones are refused', async () => {
      const stranger = uid('USTR');
      await command(stranger, 'restart_service nginx-stranger');
      const parent = await parentOf(stranger, 'nginx-stranger');
      await threadAnswer(String(parent.response.ts), 'requires the operator role');
      const prisma = (await database).prisma;
      const identity = await prisma.externalIdentity.findFirstOrThrow({ where: { provider: 'slack', externalId: stranger }, include: { user: true } });
      assert.equal(identity.user.role, 'viewer');
      assert.equal(identity.workspace, 'T1');
    });

    it('refuses unmapped users when the policy says refuse', async () => {
      const identities = new BotIdentities((await database).prisma, harness.app.context.audit, 'refuse');
      await assert.rejects(identities.resolve({ provider: 'slack', workspace: 'T1', externalId: uid('UREF') }), ForbiddenError);
      await assert.rejects(identities.resolve({ provider: 'slack', workspace: 'T1', externalId: 'bad id; drop table' }), /Malformed/);
    });

    it('applies the channel allowlist', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      await command(user, 'status', { channel: 'CLOCKED' });
      const parent = await parentOf(user, 'status');
      await threadAnswer(String(parent.response.ts), 'not allowed in this channel');
    });

    it('answers malformed input with a clear error and no crash', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      // Too long a command: refused to the requester only, nothing stored.
      const long = await command(user, 'x'.repeat(5_000));
      assert.equal(long.status, 200);
      const ephemeral = await harness.slack.waitFor((call) => call.method === 'response_url' && String(call.params.text).includes('limited to 4000'));
      assert.equal(ephemeral.params.response_type, 'ephemeral');
      // Unparseable arguments: a readable error in the thread.
      await command(user, 'restart_service {not json');
      const parent = await parentOf(user, '{not json');
      await threadAnswer(String(parent.response.ts), 'not a valid JSON object');
      // A button with a forged execution id.
      const click = blockActionBody({ user, messageTs: '1700000000.000001', blocks: [], actionId: 'vigie_approve', value: 'not-a-uuid', responseUrl: `${harness.slack.url}/response/x` });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, click, 'application/x-www-form-urlencoded')).status, 200);
      await harness.slack.waitFor((call) => call.method === 'chat.postEphemeral' && call.params.user === user && String(call.params.text).includes('valid execution id'));
      // An event without a user (e.g. a bot message) and garbage JSON.
      const botEvent = eventBody(`Ev${run}${uid('')}`, { type: 'app_mention', bot_id: 'B1', channel: 'CMAIN', text: 'hi', ts: '1700000600.000001' });
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
