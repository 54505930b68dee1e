/**
 * Posts an incident's summary where its route says (console conversation, Slack channel,
 * Discord channel) and edits that same message in place as the incident changes, so each
 * incident is one thread per channel, never a stream of duplicates. A channel that fails is
 * logged and recorded on the timeline; the others still get their update.
 */
import type { DomainEvents } from '../actions/domain-events.js';
import type { Principal } from '../auth/principal.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { messageView } from '../actions/conversation-views.js';
import type { CompiledRoute } from './incident-routing.js';
import type { IncidentStore } from './incident-store.js';
import { discordSummaryComponents, slackSummaryBlocks, summaryText, type IncidentSummary } from './incident-summary.js';

/** Chat credentials for posting (absent: that channel is skipped with a log line). */
export interface ThreadTargets {
  slack?: { token: string; apiUrl?: string | undefined } | undefined;
  discord?: { token: string; apiUrl?: string | undefined } | undefined;
}

interface SlackThread {
  channel: string;
  ts: string;
}
interface DiscordThread {
  channelId: string;
  messageId: string;
}
interface ConsoleThread {
  messageId: string;
}

async function callJson(
  url: string,
  init: { method: string; headers: Record<string, string>; body: unknown },
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: init.method,
    headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
    body: JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method} ${new URL(url).pathname} answered ${response.status}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Creates and updates the per-channel threads of incidents. */
export class IncidentThreads {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      events?: DomainEvents | undefined;
      store: IncidentStore;
      targets: ThreadTargets;
      logger: Logger;
      system: () => Promise<Principal>;
    },
  ) {}

  /** Posts (first time) or edits (afterwards) the summary in every channel of the route. */
  async publish(summary: IncidentSummary, route: CompiledRoute): Promise<void> {
    const { incident } = summary;
    const threads = incident.threads as { console?: ConsoleThread; slack?: SlackThread; discord?: DiscordThread };
    const tasks: Array<[string, () => Promise<void>]> = [];
    if (route.console) tasks.push(['console', () => this.console(summary, threads.console)]);
    if (route.slack) tasks.push(['slack', () => this.slack(summary, route.slack!.channel, threads.slack)]);
    if (route.discord) tasks.push(['discord', () => this.discord(summary, route.discord!.channelId, threads.discord)]);
    await Promise.all(
      tasks.map(async ([channel, task]) => {
        try {
          await task();
        } catch (error) {
          this.deps.logger.warn({ err: error, incidentId: incident.id, channel }, 'incident summary not delivered');
          await this.deps.store.note(
            incident.id,
            'delivery_failed',
            { name: 'system:incidents', channel: 'system' },
            { channel, message: (error as Error).message.slice(0, 300) },
          );
        }
      }),
    );
  }

  private async console(summary: IncidentSummary, thread: ConsoleThread | undefined): Promise<void> {
    const { prisma, events } = this.deps;
    const text = summaryText(summary, 20_000);
    const metadata = { incidentId: summary.incident.id, status: summary.incident.status, untrustedAlertText: true };
    if (thread) {
      const row = await prisma.message.update({ where: { id: thread.messageId }, data: { content: text, metadata } });
      // Open consoles replace the message by id (message:new carries the edited version).
      events?.emit('message.created', { message: messageView(row), ownerId: (await this.deps.system()).userId });
      return;
    }
    const system = await this.deps.system();
    const conversation = await prisma.conversation.upsert({
      where: { originChannel_externalRef: { originChannel: 'system', externalRef: `incident:${summary.incident.id}` } },
      create: {
        title: `Incident: ${summary.incident.alertName}`.slice(0, 200),
        ownerId: system.userId,
        originChannel: 'system',
        externalRef: `incident:${summary.incident.id}`,
        context: { incidentId: summary.incident.id },
      },
      update: {},
    });
    const row = await prisma.message.create({
      data: { conversationId: conversation.id, authorId: system.userId, role: 'assistant', content: text, metadata, channel: 'system' },
    });
    await this.deps.store.attach(summary.incident.id, { conversationId: conversation.id, threads: { console: { messageId: row.id } } });
    summary.incident.conversationId = conversation.id;
    summary.incident.threads = { ...summary.incident.threads, console: { messageId: row.id } };
    events?.emit('message.created', { message: messageView(row), ownerId: system.userId });
  }

  private async slack(summary: IncidentSummary, channel: string, thread: SlackThread | undefined): Promise<void> {
    const target = this.deps.targets.slack;
    if (!target) throw new Error('Slack is not configured (SLACK_BOT_TOKEN)');
    const base = (target.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
    const headers = { authorization: `Bearer ${target.token}` };
    const body = { channel: thread?.channel ?? channel, text: summaryText(summary, 2_900), blocks: slackSummaryBlocks(summary) };
    const answer = await callJson(`${base}${thread ? 'chat.update' : 'chat.postMessage'}`, {
      method: 'POST',
      headers,
      body: thread ? { ...body, ts: thread.ts } : body,
    });
    if (answer.ok !== true) throw new Error(`Slack refused the summary: ${String(answer.error)}`);
    if (!thread) {
      const posted = { channel: String(answer.channel ?? channel), ts: String(answer.ts) };
      await this.deps.store.attach(summary.incident.id, { threads: { slack: posted } });
      summary.incident.threads = { ...summary.incident.threads, slack: posted };
    }
  }

  private async discord(summary: IncidentSummary, channelId: string, thread: DiscordThread | undefined): Promise<void> {
    const target = this.deps.targets.discord;
    if (!target) throw new Error('Discord is not configured (DISCORD_TOKEN)');
    const base = `${(target.apiUrl ?? 'https://discord.com/api').replace(/\/$/, '')}/v10`;
    const headers = { authorization: `Bot ${target.token}` };
    const body = { content: summaryText(summary, 1_900), components: discordSummaryComponents(summary), allowed_mentions: { parse: [] } };
    if (thread) {
      await callJson(`${base}/channels/${thread.channelId}/messages/${thread.messageId}`, { method: 'PATCH', headers, body });
      return;
    }
    const answer = await callJson(`${base}/channels/${channelId}/messages`, { method: 'POST', headers, body });
    const posted = { channelId, messageId: String(answer.id) };
    await this.deps.store.attach(summary.incident.id, { threads: { discord: posted } });
    summary.incident.threads = { ...summary.incident.threads, discord: posted };
  }
}
