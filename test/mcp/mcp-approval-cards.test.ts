/**
 * Approval cards for MCP calls, against the fake Slack and Discord APIs over real HTTP: a
 * pending MCP call posts Approve/Deny cards to APPROVALS_SLACK_CHANNEL and
 * APPROVALS_DISCORD_CHANNEL and says so in its answer (with the console link); the bots' own
 * approval handlers decide from those cards; a card left behind on the other platform (or both,
 * when the decision came from REST) is edited so no stale button remains.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { tokenMinter, userCreator } from '../../src/actions/users.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { discordKeys, discordSignature, discordText, startFakeDiscord, type FakeDiscord } from '../bots/support/fake-discord.js';
import { blockActionBody, postToSlackEndpoint, startFakeSlack, type FakeSlack } from '../bots/support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from '../bots/support/slack-test-app.js';
import { apiClient } from '../support/http-client.js';
import { testBackends } from '../support/test-databases.js';

const GUILD = '900000000000000077';
const DISCORD_CHANNEL = '700000000000000077';
const SLACK_CHANNEL = 'CAPPROVALS';
const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));

interface Pending {
  executionId: string;
  status: string;
  approval: { consoleUrl: string; message: string; cards: Array<{ platform: string; channel: string; messageId: string; url?: string }> };
}

const backend = testBackends().at(-1)!;
describe(`MCP approval cards on ${backend.name}`, { timeout: 120_000 }, () => {
  let harness: SlackTestApp;
  let discord: FakeDiscord;
  let slack: FakeSlack;
  let privateKey: KeyObject;
  let client: Client;
  let aliceToken: string;
  const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
  const database = backend.open();

  const slackUpdates = (ts: string) => slack.calls.filter((call) => call.method === 'chat.update' && call.params.ts === ts);
  const discordEdits = (messageId: string) =>
    discord.calls.filter((call) => call.method === 'PATCH' && call.path.endsWith(`/channels/${DISCORD_CHANNEL}/messages/${messageId}`));

  before(async () => {
    discord = await startFakeDiscord();
    const keys = discordKeys();
    privateKey = keys.privateKey;
    const db = await database;
    slack = await startFakeSlack();
    harness = await startSlackTestApp(db, {
      slack,
      tools: { toolsets: [coreToolset(db), testOpsToolset(calls)] },
      config: {
        DISCORD_PUBLIC_KEY: keys.publicKeyHex,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_TOKEN: 'bot-token',
        DISCORD_APPLICATION_ID: '800000000000000001',
        DISCORD_GUILD_ID: GUILD,
      },
      mcp: {
        reconcileMs: 0,
        approvalCards: {
          slack: { token: 'xoxb-test', apiUrl: slack.apiUrl, channel: SLACK_CHANNEL },
          discord: { token: 'bot-token', apiUrl: discord.apiUrl, channelId: DISCORD_CHANNEL, guildId: GUILD },
        },
      },
    });
    const system = { userId: '', userName: 'test', channel: 'system' as const };
    const alice = await userCreator(db.prisma, harness.app.context.audit, system, { name: `alice-cards-${Date.now()}`, role: 'operator' });
    aliceToken = (await tokenMinter(db.prisma, harness.app.context.audit, system, alice.id, { name: 'mcp', role: 'operator' })).token;
    client = new Client({ name: 'cards-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${aliceToken}` } },
      }),
    );
  });
  after(async () => {
    await client?.close();
    await harness?.close();
    await discord?.close();
    await slack?.close();
    await (await database).close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    return result.structuredContent as unknown as Pending;
  };
  const slackCard = (executionId: string) =>
    slack.waitFor(
      (entry) =>
        entry.method === 'chat.postMessage' &&
        entry.params.channel === SLACK_CHANNEL &&
        JSON.stringify(entry.params.blocks).includes(executionId),
    );
  const discordCard = (executionId: string) =>
    discord.waitFor(
      (entry) =>
        entry.method === 'POST' &&
        entry.path.endsWith(`/channels/${DISCORD_CHANNEL}/messages`) &&
        JSON.stringify(entry.body).includes(`vigie:approve:${executionId}`),
    );
  const discordClick = (user: string, customId: string) => {
    const body = JSON.stringify({
      id: snowflake(),
      application_id: '800000000000000001',
      token: `tok${snowflake()}`,
      guild_id: GUILD,
      channel_id: DISCORD_CHANNEL,
      member: { user: { id: user, username: 'someone' } },
      type: 3,
      data: { custom_id: customId },
    });
    return fetch(`${harness.url}/discord/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...discordSignature(privateKey, body) },
      body,
    });
  };

  it('posts Approve/Deny cards for a pending MCP call and says where to approve', async () => {
    const pending = await call('wipe_disk', { device: 'sdc' });
    assert.equal(pending.status, 'pending_approval');
    assert.equal(pending.approval.consoleUrl, `${harness.url}/?execution=${pending.executionId}`);
    const platforms = pending.approval.cards.map((card) => card.platform).sort();
    assert.deepEqual(platforms, ['discord', 'slack']);
    const discordRef = pending.approval.cards.find((card) => card.platform === 'discord')!;
    assert.match(discordRef.url ?? '', new RegExp(`^https://discord\\.com/channels/${GUILD}/${DISCORD_CHANNEL}/\\d+$`));
    assert.match(pending.approval.message, /the console \(http/);
    assert.match(pending.approval.message, new RegExp(`Slack card in channel ${SLACK_CHANNEL}`));
    assert.match(pending.approval.message, new RegExp(`Discord card in channel ${DISCORD_CHANNEL}`));
    const posted = await slackCard(pending.executionId);
    const buttons = JSON.stringify(posted.params.blocks);
    assert.match(buttons, /vigie_approve/);
    assert.match(buttons, /vigie_deny/);
    assert.equal(String(posted.response.ts), pending.approval.cards.find((card) => card.platform === 'slack')!.messageId);
    await discordCard(pending.executionId);
    // A read call posts nothing.
    const before = slack.calls.length;
    await call('system_status', {});
    assert.equal(
      slack.calls.filter((entry) => entry.method === 'chat.postMessage').length,
      slack.calls.slice(0, before).filter((entry) => entry.method === 'chat.postMessage').length,
    );
  });

  it('approves from the Slack card through the bot handler; the Discord card loses its buttons', async () => {
    const pending = await call('wipe_disk', { device: 'sdd' });
    const posted = await slackCard(pending.executionId);
    const discordPosted = await discordCard(pending.executionId);
    const bobSlack = `UBOB${Date.now() % 100_000}`;
    const bobId = await harness.linkedUser('operator', bobSlack);
    const click = await postToSlackEndpoint(
      harness.eventsUrl,
      SIGNING_SECRET,
      blockActionBody({
        user: bobSlack,
        channel: SLACK_CHANNEL,
        messageTs: String(posted.response.ts),
        blocks: posted.params.blocks as unknown[],
        actionId: 'vigie_approve',
        value: pending.executionId,
        responseUrl: `${slack.url}/response/cards`,
      }),
      'application/x-www-form-urlencoded',
    );
    assert.equal(click.status, 200);
    const row = await waitFor(async () =>
      (await database).prisma.execution.findFirst({ where: { id: pending.executionId, status: 'succeeded' } }),
    );
    assert.equal(row.approverId, bobId);
    assert.ok(calls.wipes.includes('sdd'));
    await waitFor(async () => slackUpdates(String(posted.response.ts)).length > 0);
    // Edited as it runs, then with its outcome; never with buttons again.
    const edit = await waitFor(async () =>
      discordEdits(discordPosted.id).find((entry) => JSON.stringify(entry.body).includes('succeeded')),
    );
    assert.match(discordText(edit.body), /Approved by slack-operator-ubob/);
    assert.ok(discordEdits(discordPosted.id).every((entry) => !JSON.stringify(entry.body).includes('vigie:approve')));
  });

  it('denies from the Discord card through the bot handler; the Slack card loses its buttons', async () => {
    const pending = await call('restart_service', { service: 'nginx-cards' });
    const posted = await slackCard(pending.executionId);
    await discordCard(pending.executionId);
    const bobDiscord = snowflake();
    await harness.linkedUser('operator', bobDiscord, 'discord', GUILD);
    const response = await discordClick(bobDiscord, `vigie:deny:${pending.executionId}`);
    assert.equal(response.status, 200);
    await waitFor(async () => (await database).prisma.execution.findFirst({ where: { id: pending.executionId, status: 'denied' } }));
    const update = await waitFor(async () => slackUpdates(String(posted.response.ts)).at(-1));
    const blocks = JSON.stringify(update.params.blocks);
    assert.doesNotMatch(blocks, /vigie_approve/);
    assert.match(blocks, /Denied by/);
    assert.ok(!calls.restarts.includes('nginx-cards'));
  });

  it('updates both cards when the execution is decided elsewhere (REST)', async () => {
    const pending = await call('restart_service', { service: 'nginx-rest' });
    const posted = await slackCard(pending.executionId);
    const discordPosted = await discordCard(pending.executionId);
    const system = { userId: '', userName: 'test', channel: 'system' as const };
    const db = await database;
    const carol = await userCreator(db.prisma, harness.app.context.audit, system, { name: `carol-cards-${Date.now()}`, role: 'operator' });
    const carolToken = (await tokenMinter(db.prisma, harness.app.context.audit, system, carol.id, { name: 'rest', role: 'operator' }))
      .token;
    const approved = await apiClient(harness.url, carolToken).post(`/api/executions/${pending.executionId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    const slackEdit = await waitFor(async () =>
      slackUpdates(String(posted.response.ts)).find((entry) => !JSON.stringify(entry.params.blocks).includes('vigie_approve')),
    );
    assert.match(JSON.stringify(slackEdit.params.blocks), new RegExp(`Approved by ${carol.name}`));
    const discordEdit = await waitFor(async () =>
      discordEdits(discordPosted.id).find((entry) => !JSON.stringify(entry.body).includes('vigie:approve')),
    );
    assert.match(discordText(discordEdit.body), new RegExp(`Approved by ${carol.name}`));
  });

  it('still answers the call when a platform refuses the card', async () => {
    slack.failNext('chat.postMessage', 500, 5);
    const pending = await call('restart_service', { service: 'nginx-nocard' });
    assert.equal(pending.status, 'pending_approval');
    assert.deepEqual(
      pending.approval.cards.map((card) => card.platform),
      ['discord'],
    );
  });
});
