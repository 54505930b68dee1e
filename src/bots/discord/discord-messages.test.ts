/**
 * Gateway message normalisation: which messages are addressed to Vigie, which channels it
 * answers in, and the ChatMessage a message becomes (the same keys as an interaction).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressedText, channelAllowed, gatewayChatMessage, gatewayMessageSchema, parseDiscordChannels } from './discord-messages.js';
import { interactionPlace, placeExternalIds, conversationRef, discordInteractionSchema } from './discord-payloads.js';
import { ANSWER_FILE, DISCORD_MESSAGE_LIMIT, textMessages } from './discord-render.js';

const BOT = '810000000000000001';
const options = { prefix: '!vigie', botId: BOT, direct: false };

describe('discord message addressing', () => {
  it('takes the prefix (any case) or a mention, and everything in a direct message', () => {
    assert.equal(addressedText('!vigie net check core-router', options), 'net check core-router');
    assert.equal(addressedText('  !VIGIE\nstatus ', options), 'status');
    assert.equal(addressedText('!vigie', options), '');
    assert.equal(addressedText(`<@${BOT}> status`, options), 'status');
    assert.equal(addressedText(`hey <@!${BOT}>, status please`, options), 'hey, status please');
    assert.equal(addressedText(`<@${BOT}>: net check core-router`, options), 'net check core-router');
    assert.equal(addressedText('status', { ...options, direct: true }), 'status');
  });

  it('ignores everything else', () => {
    assert.equal(addressedText('!vigiebot status', options), undefined);
    assert.equal(addressedText('talking about !vigie status', options), undefined);
    assert.equal(addressedText('<@123456789012345678> status', options), undefined);
    assert.equal(addressedText(`<@${BOT}> status`, { ...options, botId: undefined }), undefined, 'no mention before READY');
  });
});

describe('discord channel policy', () => {
  it('defaults to every channel and direct messages', () => {
    const policy = parseDiscordChannels(undefined);
    assert.ok(channelAllowed(policy, { guild: 'g', channelId: '1', direct: false }));
    assert.ok(channelAllowed(policy, { guild: '', channelId: '2', direct: true }));
  });

  it('allows listed channels, their threads, and direct messages only with "dm"', () => {
    const policy = parseDiscordChannels('111, 222');
    assert.ok(channelAllowed(policy, { guild: 'g', channelId: '111', direct: false }));
    assert.ok(channelAllowed(policy, { guild: 'g', channelId: '999', parentId: '222', direct: false }));
    assert.ok(!channelAllowed(policy, { guild: 'g', channelId: '333', direct: false }));
    assert.ok(!channelAllowed(policy, { guild: '', channelId: '444', direct: true }));
    assert.ok(channelAllowed(parseDiscordChannels('DM'), { guild: '', channelId: '444', direct: true }));
    assert.ok(channelAllowed(parseDiscordChannels('*'), { guild: 'g', channelId: '555', direct: false }));
  });

  it('rejects malformed lists', () => {
    for (const bad of ['#ops', '111;222', '111,,222', 'dm,general']) assert.throws(() => parseDiscordChannels(bad), /DISCORD_CHANNELS/);
  });
});

describe('discord chat messages', () => {
  const base = {
    id: '700000000000000001',
    channelId: '600000000000000001',
    guildId: '500000000000000001',
    parentId: null,
    content: '!vigie status',
    author: { id: '400000000000000001', bot: false },
    system: false,
    webhookId: null,
  };

  it('keys a thread message like an interaction in that thread; the allowlist sees the parent', () => {
    const message = gatewayMessageSchema.parse({ ...base, parentId: '600000000000000009' });
    const chat = gatewayChatMessage(message, 'status');
    assert.equal(chat.thread.externalRef, `discord:${base.guildId}:${base.channelId}:${base.author.id}`);
    assert.deepEqual(chat.externalIds, {
      workspace: base.guildId,
      channelId: '600000000000000009',
      userId: base.author.id,
      threadId: base.channelId,
      messageId: base.id,
    });
    assert.equal(chat.deliveryId, `discord:message:${base.id}`);
    const interaction = discordInteractionSchema.parse({
      id: '1',
      application_id: '2',
      type: 2,
      token: 't',
      guild_id: base.guildId,
      channel_id: base.channelId,
      channel: { type: 11, parent_id: '600000000000000009' },
      member: { user: { id: base.author.id } },
    });
    const place = interactionPlace(interaction);
    assert.equal(conversationRef(place, base.author.id), chat.thread.externalRef, 'slash and message commands share the conversation');
    assert.equal(placeExternalIds(place, base.author.id).channelId, '600000000000000009');
  });

  it('keys a direct message without a guild', () => {
    const chat = gatewayChatMessage(gatewayMessageSchema.parse({ ...base, guildId: null }), 'status');
    assert.equal(chat.thread.externalRef, `discord:dm:${base.channelId}:${base.author.id}`);
    assert.equal(chat.account.workspace, '');
  });

  it('rejects malformed messages', () => {
    for (const bad of [
      { ...base, id: 'abc' },
      { ...base, author: undefined },
      { ...base, content: 42 },
      { ...base, channelId: '../x' },
      null,
    ]) {
      assert.equal(gatewayMessageSchema.safeParse(bad).success, false);
    }
  });
});

describe('discord long text', () => {
  it('splits up to four messages, then cuts and attaches the full answer', () => {
    const medium = 'a'.repeat(DISCORD_MESSAGE_LIMIT * 3);
    assert.equal(textMessages(medium).length, 3);
    const huge = 'b\n'.repeat(DISCORD_MESSAGE_LIMIT * 3);
    const [only, ...rest] = textMessages(huge);
    assert.equal(rest.length, 0);
    assert.ok(only!.content!.length <= DISCORD_MESSAGE_LIMIT);
    assert.match(only!.content!, new RegExp(`attached as ${ANSWER_FILE.replace('.', '\\.')}`));
    assert.equal(only!.files![0]!.data.toString('utf8'), huge);
  });
});
