/**
 * Slack App Home (`app_home_opened` → `views.publish`): the user's pending approvals with
 * Approve/Deny buttons (decided through the same ApprovalHandler, so the same roles and
 * self-approval rules apply), their linked chat identities and their recent executions, in
 * their Slack locale. Every string from the database is escaped: a tool argument or a user
 * name cannot mention `@channel` or inject a link.
 */
import type { types } from '@slack/bolt';
import type { Principal } from '../../auth/principal.js';
import { may, mayActOnAny } from '../../auth/policy.js';
import type { Translator } from '../../contracts/i18n.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { escapeSlackText } from '../../chat-render/slack-execution-card.js';

type KnownBlock = types.KnownBlock;

/** action_id of the Home tab's Approve button. */
export const HOME_APPROVE_ACTION = 'vigie_home_approve';
/** action_id of the Home tab's Deny button. */
export const HOME_DENY_ACTION = 'vigie_home_deny';

const PENDING_SHOWN = 10;
const RECENT_SHOWN = 8;
const LINE_LIMIT = 600;

/** What the Home tab shows. */
export interface HomeContent {
  principal: Principal | undefined;
  pending: Array<{ id: string; tool: string; riskLevel: string; requesterName: string; arguments: unknown; createdAt: Date }>;
  identities: Array<{ provider: string; externalId: string; workspace: string }>;
  recent: Array<{ id: string; tool: string; status: string; createdAt: Date }>;
}

/** Reads the Home tab's content: operators see every pending approval, others their own requests. */
export async function loadHome(prisma: PrismaClient, principal: Principal | undefined): Promise<HomeContent> {
  if (!principal) return { principal, pending: [], identities: [], recent: [] };
  const operator = mayActOnAny(principal, 'execution.read');
  const [pending, identities, recent] = await Promise.all([
    prisma.execution.findMany({
      where: {
        status: 'pending_approval',
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        ...(operator ? {} : { requesterId: principal.userId }),
      },
      orderBy: { createdAt: 'desc' },
      take: PENDING_SHOWN,
      select: { id: true, tool: true, riskLevel: true, requesterName: true, arguments: true, createdAt: true },
    }),
    prisma.externalIdentity.findMany({
      where: { userId: principal.userId },
      orderBy: { createdAt: 'asc' },
      select: { provider: true, externalId: true, workspace: true },
    }),
    prisma.execution.findMany({
      where: { requesterId: principal.userId },
      orderBy: { createdAt: 'desc' },
      take: RECENT_SHOWN,
      select: { id: true, tool: true, status: true, createdAt: true },
    }),
  ]);
  return { principal, pending, identities, recent };
}

const clip = (text: string, limit = LINE_LIMIT) => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 2_900) } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 2_900) }] });

/** The Home view (≤ 100 blocks), with `notice` on top (the outcome or refusal of a click). */
export function homeView(content: HomeContent, i18n: Translator, notice?: string): types.HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: i18n.t('slack.home.title') } }];
  if (notice) blocks.push(context(escapeSlackText(notice)));
  const { principal } = content;
  if (!principal) {
    blocks.push(section(i18n.t('slack.home.notLinked')));
    return { type: 'home', blocks };
  }
  blocks.push(context(escapeSlackText(i18n.t('slack.home.intro', { name: principal.userName, role: principal.role }))));
  const mayDecide = may(principal, 'execution.decide');
  blocks.push({ type: 'divider' }, section(`*${i18n.t('slack.home.pendingHeader', { count: content.pending.length })}*`));
  if (content.pending.length === 0) blocks.push(context(i18n.t('slack.home.noPending')));
  for (const execution of content.pending) {
    const line = i18n.t('slack.home.pendingLine', {
      tool: escapeSlackText(execution.tool),
      requester: escapeSlackText(execution.requesterName),
      when: i18n.date(execution.createdAt),
    });
    blocks.push(
      section(
        `${line} · \`${escapeSlackText(execution.riskLevel)}\`\n\`\`\`${escapeSlackText(clip(JSON.stringify(execution.arguments ?? {}), 400))}\`\`\``,
      ),
    );
    if (mayDecide) {
      blocks.push({
        type: 'actions',
        block_id: `home-decide:${execution.id}`,
        elements: [
          {
            type: 'button',
            action_id: HOME_APPROVE_ACTION,
            style: 'primary',
            value: execution.id,
            text: { type: 'plain_text', text: i18n.t('approval.approve') },
          },
          {
            type: 'button',
            action_id: HOME_DENY_ACTION,
            style: 'danger',
            value: execution.id,
            text: { type: 'plain_text', text: i18n.t('approval.deny') },
          },
        ],
      });
    }
  }
  blocks.push({ type: 'divider' }, section(`*${i18n.t('slack.home.identitiesHeader')}*`));
  blocks.push(
    context(
      content.identities.length === 0
        ? i18n.t('slack.home.noIdentities')
        : content.identities
            .map(
              (identity) =>
                `${escapeSlackText(identity.provider)} · \`${escapeSlackText(identity.externalId)}\`${identity.workspace ? ` (${escapeSlackText(identity.workspace)})` : ''}`,
            )
            .join('\n'),
    ),
  );
  blocks.push({ type: 'divider' }, section(`*${i18n.t('slack.home.executionsHeader')}*`));
  blocks.push(
    context(
      content.recent.length === 0
        ? i18n.t('slack.home.noExecutions')
        : content.recent
            .map((execution) =>
              escapeSlackText(
                i18n.t('slack.home.executionLine', {
                  tool: execution.tool,
                  status: i18n.t(`status.${execution.status}`),
                  when: i18n.date(execution.createdAt),
                }),
              ),
            )
            .join('\n'),
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
