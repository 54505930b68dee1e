/**
 * Acknowledge and Resolve from Discord: Ed25519-signed component interactions into the real
 * app change the incident as the clicker (operator role, through the identity mapping),
 * record who on the timeline and in the audit with channel discord, and edit the incident's
 * Discord message; viewers, unlinked users, malformed ids and bad signatures change nothing.
 */
import assert from 'node:assert/strict';
import { randomInt, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/test-databases.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { compileRoutes } from '../../src/incidents/incident-routing.js';
import { ACK_ACTION, RESOLVE_ACTION } from '../../src/incidents/incident-summary.js';
import { discordKeys, discordSignature, startFakeDiscord, type FakeDiscord } from '../bots/support/fake-discord.js';
import { startSlackTestApp, type SlackTestApp } from '../bots/support/slack-test-app.js';

const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));
const GUILD = '900000000000000021';
const CHANNEL = '700000000000000021';
const APPLICATION = '800000000000000021';

for (const backend of testBackends()) {
  describe(`incident Discord buttons on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    let discord: FakeDiscord;
    let privateKey: KeyObject;
    let token = '';
    const database = backend.open();

    const send = async (payload: unknown, key = privateKey) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${harness.url}/discord/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...discordSignature(key, body) },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const click = (user: string, customId: string, messageId: string) => ({
      id: snowflake(),
      application_id: APPLICATION,
      token: `tok${snowflake()}`,
      type: 3,
      guild_id: GUILD,
      channel_id: CHANNEL,
      member: { user: { id: user, username: 'someone' } },
      message: { id: messageId },
      data: { custom_id: customId, component_type: 2 },
    });
    const ephemeral = (payload: { token: string }, pattern: RegExp) =>
      discord.waitFor(
        (call) =>
          call.method === 'POST' &&
          call.path.includes(payload.token) &&
          (call.body as { flags?: number }).flags === 64 &&
          pattern.test(String(call.body.content)),
      );

    before(async () => {
      discord = await startFakeDiscord();
      const keys = discordKeys();
      privateKey = keys.privateKey;
      const db = await database;
      harness = await startSlackTestApp(db, {
        tools: { toolsets: [coreToolset(db)] },
        config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex, DISCORD_API_URL: discord.apiUrl, DISCORD_APPLICATION_ID: APPLICATION },
        incidents: {
          routes: compileRoutes({ routes: [{ name: 'ops', discord: { channelId: CHANNEL }, runbookSearch: false }] }, 'test'),
          targets: { discord: { token: 'bot-token', apiUrl: discord.apiUrl } },
        },
      });
      token = (
        await harness.app.incidents.hooks.create(
          { userId: '', userName: 'test', role: 'admin', tokenId: null },
          { source: 'alertmanager', name: `discord-buttons-${backend.name}` },
        )
      ).token;
    });
    after(async () => {
      await harness?.close();
      await discord?.close();
      await (await database).close();
    });

    it('Acknowledge then Resolve by an operator; viewers, unlinked users, bad ids and bad signatures change nothing', async () => {
      const alertName = `BgpDown${backend.name}`;
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${alertName}"}`,
        status: 'firing',
        receiver: 'vigie',
        groupLabels: { alertname: alertName },
        commonLabels: { alertname: alertName, severity: 'page' },
        commonAnnotations: { summary: 'bgp down' },
        alerts: [
          {
            status: 'firing',
            labels: { alertname: alertName, severity: 'page' },
            annotations: {},
            startsAt: new Date().toISOString(),
            fingerprint: 'dd01',
          },
        ],
      };
      const response = await fetch(`${harness.url}/api/hooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      assert.equal(response.status, 200);
      const id = ((await response.json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
      const posted = await discord.waitFor(
        (call) =>
          call.method === 'POST' && call.path === `/api/v10/channels/${CHANNEL}/messages` && String(call.body.content).includes(alertName),
      );
      assert.ok(JSON.stringify(posted.body.components).includes(`${ACK_ACTION}:${id}`));
      const messagePath = `/api/v10/channels/${CHANNEL}/messages/${posted.id}`;

      // A forged signature is refused before anything is read.
      assert.equal((await send(click(snowflake(), `${ACK_ACTION}:${id}`, posted.id), discordKeys().privateKey)).status, 401);
      // A viewer, and a Discord user linked to nobody (BOTS_UNMAPPED_USERS=viewer), are refused in an ephemeral follow-up.
      const viewer = snowflake();
      await harness.linkedUser('viewer', viewer, 'discord', GUILD);
      const byViewer = click(viewer, `${ACK_ACTION}:${id}`, posted.id);
      assert.deepEqual((await send(byViewer)).body, { type: 6 });
      await ephemeral(byViewer, /Not acknowledged: .*operator role/);
      const byStranger = click(snowflake(), `${RESOLVE_ACTION}:${id}`, posted.id);
      assert.deepEqual((await send(byStranger)).body, { type: 6 });
      await ephemeral(byStranger, /Not resolved: .*operator role/);
      // A malformed incident id is answered at once, ephemerally.
      const malformed = await send(click(viewer, `${ACK_ACTION}:not-a-uuid`, posted.id));
      assert.equal(malformed.status, 200);
      assert.deepEqual(malformed.body, { type: 4, data: { content: 'That button does not carry a valid incident id.', flags: 64 } });
      assert.equal((await harness.app.incidents.store.find(id)).status, 'firing');

      const operator = snowflake();
      const operatorId = await harness.linkedUser('operator', operator, 'discord', GUILD);
      const ack = click(operator, `${ACK_ACTION}:${id}`, posted.id);
      assert.deepEqual((await send(ack)).body, { type: 6 });
      assert.deepEqual((await send(ack)).body, { type: 6 }, 'a redelivery is acknowledged and not applied twice');
      const acked = await waitFor(async () => {
        const incident = await harness.app.incidents.store.find(id);
        return incident.status === 'acknowledged' ? incident : undefined;
      });
      assert.match(String(acked.acknowledgedBy), new RegExp(`^slack-operator-${operator}-`));
      await discord.waitFor(
        (call) =>
          call.method === 'PATCH' &&
          call.path === messagePath &&
          new RegExp(`Acknowledged by slack-operator-${operator}-`).test(String(call.body.content)) &&
          !JSON.stringify(call.body.components).includes(ACK_ACTION) &&
          JSON.stringify(call.body.components).includes(RESOLVE_ACTION),
      );

      const resolve = click(operator, `${RESOLVE_ACTION}:${id}`, posted.id);
      assert.deepEqual((await send(resolve)).body, { type: 6 });
      await waitFor(async () => (await harness.app.incidents.store.find(id)).status === 'resolved');
      await harness.app.incidents.service.idle();
      await discord.waitFor(
        (call) =>
          call.method === 'PATCH' &&
          call.path === messagePath &&
          String(call.body.content).includes('[RESOLVED]') &&
          JSON.stringify(call.body.components) === '[]',
      );

      const timeline = await harness.app.incidents.store.timeline(id);
      const people = timeline.filter((entry) => entry.kind === 'acknowledged' || entry.kind === 'resolved');
      assert.deepEqual(
        people.map((entry) => [entry.kind, entry.channel]),
        [
          ['acknowledged', 'discord'],
          ['resolved', 'discord'],
        ],
      );
      const audit = await (
        await database
      ).prisma.auditEvent.findMany({ where: { action: { in: ['incident.acknowledged', 'incident.resolved'] }, actorId: operatorId } });
      assert.deepEqual(audit.map((event) => event.channel).sort(), ['discord', 'discord']);

      // Resolving again is refused and says why.
      const again = click(operator, `${RESOLVE_ACTION}:${id}`, posted.id);
      await send(again);
      await ephemeral(again, /Not resolved: .*already resolved/);
    });
  });
}
