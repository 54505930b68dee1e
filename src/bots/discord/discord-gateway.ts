/**
 * The Discord gateway connection (discord.js Client): message commands (`!vigie net check …`)
 * and mentions of the bot in the channels DISCORD_CHANNELS allows, answered as replies
 * through the same BotTurns path, rendering and dedupe as `/vigie` interactions; buttons and
 * slash commands that Discord delivers over the gateway go to the same interaction handler.
 * Only the node holding the `discord-gateway` lease opens it (bot-wiring.ts). Login failures
 * and unrecoverable disconnects are logged and retried with backoff on a fresh client.
 */
import { Client, Events, GatewayIntentBits, Partials, Routes, type Message } from 'discord.js';
import type { Counter, Registry } from 'prom-client';
import type { Logger } from '../../logger.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns, ChatOutcome } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { ThrottledMessage } from '../throttled-message.js';
import { claimDelivery, failureReply, RETRY_LATER_REPLY } from '../bot-unavailable.js';
import { discordRest } from './discord-bot.js';
import { createInteractionHandler } from './discord-interactions.js';
import {
  addressedText,
  channelAllowed,
  gatewayChatMessage,
  gatewayMessageSchema,
  messagePlace,
  type DiscordChannelPolicy,
  type GatewayMessage,
} from './discord-messages.js';
import { discordInteractionSchema } from './discord-payloads.js';
import type { DiscordMessageBody } from '../../chat-render/discord-execution-card.js';
import { DISCORD_MESSAGE_LIMIT, restRequest, turnMessages } from './discord-render.js';
import { counter } from '../../core/metrics.js';

/** Settings and components of the gateway. */
export interface DiscordGatewayOptions {
  token: string;
  /** REST base (tests point it at a fake server); default https://discord.com/api. */
  apiUrl?: string | undefined;
  /** Message command prefix, e.g. `!vigie`. */
  prefix: string;
  channels: DiscordChannelPolicy;
  turns: BotTurns;
  approvals: ApprovalHandler;
  /** Incident Acknowledge / Resolve buttons (src/incidents). */
  incidents?: IncidentActions | undefined;
  dedupe: DeliveryDedupe;
  logger: Logger;
  /** Login retry backoff: first delay and cap (default 1 s and 60 s). */
  retry?: { initialMs?: number; maxMs?: number } | undefined;
  metrics?: Registry | undefined;
}

/** What became of gateway messages (`vigie_discord_gateway_messages_total`). */
export type GatewayMessageOutcome = 'malformed' | 'ignored' | 'duplicate' | 'channel_refused' | 'handled' | 'unavailable';

function outcomeCounter(registry: Registry | undefined): Counter<'outcome'> {
  const name = 'vigie_discord_gateway_messages_total';
  return counter(registry, {
    name,
    help: 'Discord gateway messages by outcome (ignored: not addressed to Vigie or from a bot)',
    labelNames: ['outcome'],
  });
}

/** A gateway connection that can be opened and closed (by the lease). */
export interface DiscordGateway {
  /** The current client; its `messageCreate` handler is the production one (tests inject events into it). */
  readonly client: Client;
  /** True once the session is READY, until closed or disconnected. */
  readonly connected: boolean;
  /** Starts logging in (retried with backoff until it works or close() is called); returns at once. */
  open(): Promise<void>;
  /** Stops retrying and closes the connection. */
  close(): Promise<void>;
}

const NO_MENTIONS = { parse: [] as string[] };
const TYPING_EVERY_MS = 8_000;

/** Reads the fields we use off a discord.js Message without trusting its shape. */
function readMessage(message: Message): unknown {
  try {
    const channel = message.channel as { isThread?: () => boolean; parentId?: string | null } | null | undefined;
    return {
      id: message.id,
      channelId: message.channelId,
      guildId: message.guildId ?? null,
      parentId: channel?.isThread?.() ? (channel.parentId ?? null) : null,
      content: message.content,
      author: message.author ? { id: message.author.id, bot: message.author.bot } : undefined,
      system: message.system,
      webhookId: message.webhookId ?? null,
    };
  } catch {
    return undefined;
  }
}

/** Builds the gateway; nothing connects until open(). */
export function createDiscordGateway(options: DiscordGatewayOptions): DiscordGateway {
  const { turns, dedupe, logger } = options;
  const log = logger.child({ component: 'discord-gateway' });
  // One REST client for every reply: it keeps the token when a client is destroyed and rebuilt.
  const rest = discordRest(options.apiUrl, options.token);
  const handleInteraction = createInteractionHandler({
    rest,
    turns,
    approvals: options.approvals,
    dedupe,
    logger: log,
    incidents: options.incidents,
  });
  const initialMs = options.retry?.initialMs ?? 1_000;
  const maxMs = options.retry?.maxMs ?? 60_000;
  const counter = outcomeCounter(options.metrics);
  const count = (outcome: GatewayMessageOutcome) => counter.inc({ outcome });

  const send = async (message: GatewayMessage, body: DiscordMessageBody, reply: boolean): Promise<string | undefined> => {
    const request = restRequest(body);
    const reference = reply
      ? { message_reference: { message_id: message.id, channel_id: message.channelId, fail_if_not_exists: false } }
      : {};
    const sent = (await rest.post(Routes.channelMessages(message.channelId), { ...request, body: { ...request.body, ...reference } })) as {
      id?: string;
    };
    return sent?.id;
  };
  const edit = (message: GatewayMessage, id: string, body: DiscordMessageBody) =>
    rest.patch(Routes.channelMessage(message.channelId, id), restRequest(body));

  /** Posts an outcome: the first message replies to the command (or replaces the streamed one). */
  const deliver = async (message: GatewayMessage, outcome: ChatOutcome, streamed: string | undefined) => {
    if (outcome.kind === 'duplicate') return;
    const bodies =
      outcome.kind === 'refused'
        ? [{ content: outcome.reason.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS }]
        : turnMessages(outcome.result);
    const [first, ...others] = bodies;
    if (streamed && outcome.kind === 'answered') await edit(message, streamed, first!);
    else await send(message, first!, true);
    for (const body of others) await send(message, body, false);
  };

  const onMessage = async (client: Client, raw: Message) => {
    const parsed = gatewayMessageSchema.safeParse(readMessage(raw));
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.length }, 'malformed discord message ignored');
      count('malformed');
      return;
    }
    const message = parsed.data;
    // Bots (this one included), webhooks and system messages never run commands.
    const place = messagePlace(message);
    const text =
      message.author.bot || message.system || message.webhookId
        ? undefined
        : addressedText(message.content, { prefix: options.prefix, botId: client.user?.id, direct: place.direct });
    if (text === undefined) {
      count('ignored');
      return;
    }
    const claim = await claimDelivery(dedupe, `discord:message:${message.id}`, log);
    if (claim === 'repeat') {
      count('duplicate');
      return;
    }
    if (claim === 'unavailable') {
      count('unavailable');
      await send(message, { content: RETRY_LATER_REPLY, allowed_mentions: NO_MENTIONS }, true);
      return;
    }
    if (!channelAllowed(options.channels, place)) {
      count('channel_refused');
      log.info(
        { channelId: message.channelId, guildId: message.guildId },
        'discord message command refused: channel not in DISCORD_CHANNELS',
      );
      await send(
        message,
        { content: 'Vigie does not take commands in this channel; ask an admin to allow it.', allowed_mentions: NO_MENTIONS },
        true,
      );
      return;
    }
    count('handled');
    // "Vigie is typing…" while the turn runs (Discord shows it for 10 s per call).
    const typing = () => void rest.post(Routes.channelTyping(message.channelId)).catch(() => undefined);
    typing();
    const typingTimer = setInterval(typing, TYPING_EVERY_MS);
    typingTimer.unref();
    const stream = new ThrottledMessage({
      post: (partial) => send(message, { content: partial.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS }, true),
      edit: async (id, partial) => {
        await edit(message, id, { content: partial.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS });
      },
    });
    try {
      const outcome = await turns
        .handle(gatewayChatMessage(message, text), (delta) => stream.push(delta))
        .catch((error: unknown): ChatOutcome => ({
          kind: 'refused',
          reason: failureReply(error, log, { messageId: message.id }, 'discord message command failed'),
        }));
      await deliver(message, outcome, await stream.finish());
    } finally {
      clearInterval(typingTimer);
    }
  };

  const onInteraction = async (data: unknown) => {
    const parsed = discordInteractionSchema.safeParse(data);
    if (!parsed.success || (!parsed.data.member?.user && !parsed.data.user)) {
      log.warn('malformed discord interaction from the gateway ignored');
      return;
    }
    const plan = await handleInteraction(parsed.data);
    await rest.post(Routes.interactionCallback(parsed.data.id, parsed.data.token), { body: plan.response, auth: false });
    await plan.work?.();
  };

  let wanted = false;
  let connected = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const retryLater = (reason: string, error?: unknown) => {
    if (!wanted) return;
    const delay = Math.min(maxMs, initialMs * 2 ** attempt);
    attempt += 1;
    const hint = /disallowed intents/i.test(String((error as Error | undefined)?.message ?? reason))
      ? ' (enable the Message Content intent for the bot in the Discord developer portal)'
      : '';
    log.error({ err: error, retryInMs: delay, attempt }, `${reason}; retrying${hint}`);
    timer = setTimeout(connect, delay);
    timer.unref();
  };

  const build = (): Client => {
    const built = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      // Direct-message channels are not cached: without this partial their messages never arrive.
      partials: [Partials.Channel],
      rest: options.apiUrl ? { api: options.apiUrl } : {},
    });
    built.on(
      Events.MessageCreate,
      (message) => void onMessage(built, message).catch((error: unknown) => log.error({ err: error }, 'discord reply failed')),
    );
    built.on(Events.Raw, (packet: { t?: unknown; d?: unknown } | null) => {
      if (packet?.t === 'INTERACTION_CREATE')
        void onInteraction(packet.d).catch((error: unknown) => log.error({ err: error }, 'discord interaction failed'));
    });
    // The backoff resets only once a session is READY, so a login that is closed right after (e.g. 4014) keeps backing off.
    built.once(Events.ClientReady, () => {
      if (built !== client || !wanted) return;
      attempt = 0;
      connected = true;
      log.info('discord gateway connected: answering message commands and mentions');
    });
    // An 'error' event without a listener would crash the process.
    built.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));
    built.on(Events.ShardError, (error) => log.warn({ err: error }, 'discord gateway connection error; discord.js reconnects'));
    built.on(Events.ShardDisconnect, (event: { code?: number }) => {
      // Also while logging in (e.g. 4014 right after IDENTIFY): the pending login then sees a newer client and closes.
      if (built !== client || !wanted) return;
      connected = false;
      client = build();
      void built.destroy().catch(() => undefined);
      retryLater(`discord gateway closed for good (code ${event?.code ?? 'unknown'}${event?.code === 4014 ? ': disallowed intents' : ''})`);
    });
    return built;
  };
  let client = build();

  function connect() {
    if (!wanted) return;
    const current = client;
    current.login(options.token).then(
      async () => {
        if (!wanted || current !== client) {
          await current.destroy().catch(() => undefined);
          return;
        }
        log.info('discord gateway logged in; waiting for READY');
      },
      (error: unknown) => {
        // A newer client already took over (closed, or replaced after a disconnect): nothing to retry here.
        if (current !== client) return;
        // discord.js destroyed the client; a destroyed client cannot log in again.
        client = build();
        retryLater('discord gateway login failed', error);
      },
    );
  }

  return {
    get client() {
      return client;
    },
    get connected() {
      return connected;
    },
    async open() {
      if (wanted) return;
      wanted = true;
      attempt = 0;
      connect();
    },
    async close() {
      wanted = false;
      connected = false;
      if (timer) clearTimeout(timer);
      const current = client;
      client = build();
      await current.destroy().catch((error: unknown) => log.warn({ err: error }, 'discord gateway close failed'));
    },
  };
}
