/**
 * Approval cards for MCP calls: an MCP client has no Approve button of its own, so a pending
 * MCP execution is posted as the bots' own approval card (Approve/Deny, handled by the
 * existing Slack and Discord approval handlers) to APPROVALS_SLACK_CHANNEL and
 * APPROVALS_DISCORD_CHANNEL. When the execution is decided anywhere else (console, REST, the
 * other platform, expiry), its cards are edited so no stale button stays clickable.
 */
import type { DomainEvents } from '../actions/domain-events.js';
import { executionMessage } from '../chat-render/discord-execution-card.js';
import { executionBlocks } from '../chat-render/slack-execution-card.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';

/** Where approval cards go (absent: that platform is skipped). */
export interface ApprovalCardTargets {
  slack?: { token: string; apiUrl?: string | undefined; channel: string } | undefined;
  discord?: { token: string; apiUrl?: string | undefined; channelId: string; guildId?: string | undefined } | undefined;
}

/** A card posted for one execution. */
export interface PostedCard {
  platform: 'slack' | 'discord';
  channel: string;
  messageId: string;
  /** A link to the message where one can be built (Discord with DISCORD_GUILD_ID). */
  url?: string;
}

/** What the MCP server needs: post the cards of a pending execution. */
export interface ApprovalCardPoster {
  post(view: ExecutionView): Promise<PostedCard[]>;
}

const MAX_TRACKED = 1_000;
const FINAL = new Set(['succeeded', 'failed', 'denied', 'expired', 'timed_out', 'cancelled', 'refused']);

async function callJson(
  url: string,
  init: { method: string; headers: Record<string, string>; body: unknown },
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: init.method,
    headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
    body: JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
    redirect: 'error',
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method} ${new URL(url).pathname} answered ${response.status}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Posts approval cards and keeps them in step with their executions (on this node's events). */
export class ApprovalCards implements ApprovalCardPoster {
  /** Cards by execution id, oldest first (bounded: the oldest are forgotten first). */
  private readonly posted = new Map<string, PostedCard[]>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly listener = (event: { execution: Record<string, unknown> }) => this.changed(event.execution as unknown as ExecutionView);

  constructor(
    private readonly deps: { targets: ApprovalCardTargets; prisma: PrismaClient; events?: DomainEvents | undefined; logger: Logger },
  ) {
    deps.events?.on('agent.tool', this.listener);
  }

  /** True when at least one platform is configured. */
  get enabled(): boolean {
    return Boolean(this.deps.targets.slack || this.deps.targets.discord);
  }

  /** Stops following executions. */
  close(): void {
    this.deps.events?.off('agent.tool', this.listener);
  }

  /** Posts the card of a pending execution on every configured platform; a platform that fails is logged and skipped. */
  async post(view: ExecutionView): Promise<PostedCard[]> {
    const { slack, discord } = this.deps.targets;
    const attempts: Array<Promise<PostedCard>> = [];
    if (slack) attempts.push(this.postSlack(slack, view));
    if (discord) attempts.push(this.postDiscord(discord, view));
    const settled = await Promise.allSettled(attempts);
    const cards: PostedCard[] = [];
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') cards.push(outcome.value);
      else this.deps.logger.warn({ err: outcome.reason, executionId: view.id }, 'approval card not posted');
    }
    if (cards.length) {
      this.posted.set(view.id, cards);
      if (this.posted.size > MAX_TRACKED) this.posted.delete(this.posted.keys().next().value!);
    }
    return cards;
  }

  /** Edits the cards of an execution that left pending_approval (decided anywhere), in order. */
  private changed(view: ExecutionView): void {
    if (!view?.id || view.status === 'pending_approval' || !this.posted.has(view.id)) return;
    const cards = this.posted.get(view.id)!;
    if (FINAL.has(view.status)) this.posted.delete(view.id);
    const previous = this.chains.get(view.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.edit(cards, view))
      .catch((error: unknown) => this.deps.logger.warn({ err: error, executionId: view.id }, 'approval card not updated'))
      .finally(() => {
        if (this.chains.get(view.id) === next) this.chains.delete(view.id);
      });
    this.chains.set(view.id, next);
  }

  private async edit(cards: PostedCard[], view: ExecutionView): Promise<void> {
    const decidedBy = await this.decidedBy(view);
    for (const card of cards) {
      if (card.platform === 'slack' && this.deps.targets.slack) {
        const target = this.deps.targets.slack;
        const answer = await callJson(`${slackBase(target.apiUrl)}chat.update`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.token}` },
          body: { channel: card.channel, ts: card.messageId, text: cardText(view, decidedBy), blocks: executionBlocks(view, decidedBy) },
        });
        if (answer.ok !== true) throw new Error(`Slack refused the card update: ${String(answer.error)}`);
      } else if (card.platform === 'discord' && this.deps.targets.discord) {
        const target = this.deps.targets.discord;
        const { files: _files, ...body } = executionMessage(view, decidedBy);
        await callJson(`${discordBase(target.apiUrl)}/channels/${card.channel}/messages/${card.messageId}`, {
          method: 'PATCH',
          headers: { authorization: `Bot ${target.token}` },
          body,
        });
      }
    }
  }

  private async decidedBy(view: ExecutionView): Promise<{ name: string; decision: 'approved' | 'denied' } | undefined> {
    if (!view.approverId) return undefined;
    const user = await this.deps.prisma.user.findUnique({ where: { id: view.approverId }, select: { name: true } });
    return { name: user?.name ?? 'an operator', decision: view.status === 'denied' ? 'denied' : 'approved' };
  }

  private async postSlack(target: NonNullable<ApprovalCardTargets['slack']>, view: ExecutionView): Promise<PostedCard> {
    const answer = await callJson(`${slackBase(target.apiUrl)}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}` },
      body: { channel: target.channel, text: cardText(view), blocks: executionBlocks(view) },
    });
    if (answer.ok !== true) throw new Error(`Slack refused the approval card: ${String(answer.error)}`);
    return { platform: 'slack', channel: String(answer.channel ?? target.channel), messageId: String(answer.ts) };
  }

  private async postDiscord(target: NonNullable<ApprovalCardTargets['discord']>, view: ExecutionView): Promise<PostedCard> {
    const { files: _files, ...body } = executionMessage(view);
    const answer = await callJson(`${discordBase(target.apiUrl)}/channels/${target.channelId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${target.token}` },
      body,
    });
    const messageId = String(answer.id);
    return {
      platform: 'discord',
      channel: target.channelId,
      messageId,
      ...(target.guildId ? { url: `https://discord.com/channels/${target.guildId}/${target.channelId}/${messageId}` } : {}),
    };
  }
}

const slackBase = (apiUrl: string | undefined) => (apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
const discordBase = (apiUrl: string | undefined) => `${(apiUrl ?? 'https://discord.com/api').replace(/\/$/, '')}/v10`;

function cardText(view: ExecutionView, decidedBy?: { name: string; decision: string }): string {
  const state = decidedBy
    ? `${decidedBy.decision} by ${decidedBy.name}`
    : view.status === 'pending_approval'
      ? 'waiting for approval'
      : view.status;
  return `${view.tool} requested over MCP by ${view.requesterName}: ${state}`.slice(0, 2_900);
}
