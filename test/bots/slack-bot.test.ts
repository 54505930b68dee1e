/**
 * The Slack adapter end to end on every backend: signed requests into our real app (Bolt's
 * receiver on our Express server), the real pipeline and database, and a fake Slack Web API
 * over real HTTP recording what the bot sends back. Signatures, malformed input and Slack
 * API errors: slack-bot-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { BotIdentities } from '../../src/bots/bot-identities.js';
import { ForbiddenError } from '../../src/errors.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { blockActionBody, eventBody, postToSlackEndpoint } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import { slackDriver } from './support/slack-driver.js';

const run = randomUUID().slice(0, 8);
const uid = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

for (const backend of testBackends()) {
  describe(`slack bot on ${backend.name}`, { timeout: 60_000 }, () => {
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
      const conversation = await prisma.conversation.findFirstOrThrow({
        where: { originChannel: 'slack', ownerId: userId },
        include: { messages: { orderBy: { createdAt: 'asc' } } },
      });
      assert.match(conversation.externalRef ?? '', /^slack:T1:CMAIN:1700000000\.\d{6}$/);
      assert.deepEqual(
        conversation.messages.map((message) => [message.role, message.channel]),
        [
          ['user', 'slack'],
          ['assistant', 'slack'],
        ],
      );
      const execution = await prisma.execution.findFirstOrThrow({ where: { requesterId: userId, tool: 'system_status' } });
      assert.equal(execution.status, 'succeeded');
      assert.equal((execution.externalIds as Record<string, string>).channelId, 'CMAIN');
    });

    it('renders a knowledge search as cited passages and linked sources, not JSON', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      const topic = `zephyr${run}`;
      await harness.app.context.knowledge.ingestBytes({
        bytes: Buffer.from(`When the ${topic} router flaps, check BGP timers first.`),
        contentType: 'text/plain',
        title: `${topic} runbook`,
        sourceUrl: `https://wiki.example/${topic}`,
      });
      await command(user, `kb ${topic}`);
      const parent = await parentOf(user, topic);
      const answer = await harness.slack.waitFor(
        (call) => call.method === 'chat.postMessage' && call.params.thread_ts === parent.response.ts,
      );
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
      const body = eventBody(eventId, {
        type: 'app_mention',
        user,
        channel: 'CMAIN',
        text: '<@UBOT> status',
        ts: '1700000500.000001',
        thread_ts: threadTs,
      });
      const first = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json');
      assert.equal(first.status, 200);
      const retried = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json', {
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      });
      assert.equal(retried.status, 200);
      await threadAnswer(threadTs, 'system_status: Vigie');
      const prisma = (await database).prisma;
      const conversation = await prisma.conversation.findFirstOrThrow({ where: { externalRef: `slack:T1:CMAIN:${threadTs}` } });
      await waitFor(async () => (await prisma.message.count({ where: { conversationId: conversation.id } })) === 4);
      // A third delivery after the answer changes nothing either.
      await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json', { 'x-slack-retry-num': '2' });
      const messages = await prisma.message.findMany({ where: { conversationId: conversation.id }, orderBy: { createdAt: 'asc' } });
      assert.deepEqual(
        messages.map((message) => message.content),
        ['help', messages[1]!.content, 'status', messages[3]!.content],
      );
      assert.equal(
        harness.slack.calls.filter(
          (call) =>
            call.method === 'chat.postMessage' &&
            call.params.thread_ts === threadTs &&
            String(call.params.text).includes('system_status: Vigie'),
        ).length,
        1,
      );
    });

    it('answers direct messages in a thread of the DM', async () => {
      const user = uid('UOP');
      await harness.linkedUser('operator', user);
      const body = eventBody(`Ev${run}${uid('')}`, {
        type: 'message',
        channel_type: 'im',
        user,
        channel: 'DDM1',
        text: 'status',
        ts: '1700000700.000001',
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
      const answer = await threadAnswer('1700000700.000001', 'system_status: Vigie');
      assert.equal(answer.params.channel, 'DDM1');
      // A message in a public channel without a mention is not for Vigie.
      const ignored = eventBody(`Ev${run}${uid('')}`, {
        type: 'message',
        channel_type: 'channel',
        user,
        channel: 'CMAIN',
        text: 'status',
        ts: '1700000701.000001',
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, ignored, 'application/json')).status, 200);
      await assert.rejects(
        harness.slack.waitFor((call) => call.params.thread_ts === '1700000701.000001', 1_000),
        /no matching call/,
      );
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
      const blocks = answer.params.blocks as Array<{
        type: string;
        block_id?: string;
        elements?: Array<{ action_id: string; value: string }>;
      }>;
      const buttons = blocks.find((block) => block.type === 'actions')!.elements!;
      assert.deepEqual(
        buttons.map((button) => button.action_id),
        ['vigie_approve', 'vigie_deny'],
      );
      const executionId = buttons[0]!.value;
      const click = (user: string) =>
        postToSlackEndpoint(
          harness.eventsUrl,
          SIGNING_SECRET,
          blockActionBody({
            user,
            messageTs: String(answer.response.ts),
            blocks,
            actionId: 'vigie_approve',
            value: executionId,
            responseUrl: `${harness.slack.url}/response/click`,
          }),
          'application/x-www-form-urlencoded',
        );

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
      assert.deepEqual(
        calls.restarts.filter((service) => service === 'nginx-approve'),
        ['nginx-approve'],
      );
      const audit = await prisma.auditEvent.findMany({ where: { executionId }, orderBy: { id: 'asc' } });
      assert.ok(audit.some((event) => event.action === 'execution.approved' && event.channel === 'slack'));

      // A second click on the stale button is refused, not run again.
      await click(approver);
      await harness.slack.waitFor(
        (call) =>
          call.method === 'chat.postEphemeral' &&
          call.params.user === approver &&
          /already decided|not pending/.test(String(call.params.text)),
      );
      assert.equal(calls.restarts.filter((service) => service === 'nginx-approve').length, 1);
    });

    it('gives unmapped users their own viewer identity, so read tools work and mutating ones are refused', async () => {
      const stranger = uid('USTR');
      await command(stranger, 'restart_service nginx-stranger');
      const parent = await parentOf(stranger, 'nginx-stranger');
      await threadAnswer(String(parent.response.ts), 'requires the operator role');
      const prisma = (await database).prisma;
      const identity = await prisma.externalIdentity.findFirstOrThrow({
        where: { provider: 'slack', externalId: stranger },
        include: { user: true },
      });
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
  });
}
