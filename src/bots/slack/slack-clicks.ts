/**
 * The Slack button clicks, after the ack: Approve/Deny on an approval card (the card is
 * updated in place with the decision) and Acknowledge/Resolve on an incident summary (the
 * policy's `incident.act`). Refusals and failures are whispered to the clicker only.
 */
import type { App, types } from '@slack/bolt';
import { z } from 'zod';
import { assertMay } from '../../auth/policy.js';
import type { Translator } from '../../contracts/i18n.js';
import { toErrorBody } from '../../errors.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import { ACK_ACTION } from '../../incidents/incident-summary.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns } from '../bot-turns.js';
import { isOutage, retryLaterReply } from '../bot-unavailable.js';
import { APPROVE_ACTION, executionBlocks } from '../../chat-render/slack-execution-card.js';
import { slackBlockActionSchema } from './slack-payloads.js';

type WebClient = InstanceType<typeof App>['client'];
type KnownBlock = types.KnownBlock;

/** What the click handlers use from the bot. */
export interface SlackClickDeps {
  turns: BotTurns;
  approvals: ApprovalHandler;
  logger: Logger;
  whisper: (client: WebClient, channel: string, user: string, text: string, threadTs?: string) => Promise<void>;
  translatorOf: (client: WebClient, team: string, user: string) => Promise<Translator>;
}

/** The two click handlers (run from the after-ack queue). */
export function slackClickHandlers({ turns, approvals, logger, whisper, translatorOf }: SlackClickDeps) {
  const incidentClick = async (incidents: IncidentActions, body: unknown, action: unknown, client: WebClient) => {
    const parsed = slackBlockActionSchema.safeParse(body);
    const incidentId = z.uuid().safeParse((action as { value?: unknown }).value);
    if (!parsed.success) {
      logger.warn('malformed slack incident action ignored');
      return;
    }
    const { user, team, channel } = parsed.data;
    if (!incidentId.success) {
      await whisper(client, channel.id, user.id, 'That button does not carry a valid incident id.');
      return;
    }
    const to = (action as { action_id: string }).action_id === ACK_ACTION ? 'acknowledged' : 'resolved';
    try {
      const principal = await turns.principalOf({ provider: 'slack', workspace: team?.id ?? user.team_id ?? '', externalId: user.id });
      assertMay(principal, 'incident.act', 'Acknowledging or resolving an incident requires the operator role');
      // The service edits the summary message itself (buttons go once resolved).
      await incidents.act(incidentId.data, to, { name: principal.userName, userId: principal.userId, channel: 'slack' });
    } catch (error) {
      const { status, body: failure } = toErrorBody(error);
      if (status >= 500 && !isOutage(error)) logger.error({ err: error, incidentId: incidentId.data }, 'slack incident action failed');
      if (isOutage(error)) failure.message = retryLaterReply();
      await whisper(client, channel.id, user.id, `Not ${to}: ${failure.message}`);
    }
  };

  const decide = async (body: unknown, action: unknown, client: WebClient) => {
    const parsed = slackBlockActionSchema.safeParse(body);
    const executionId = z.uuid().safeParse((action as { value?: unknown }).value);
    if (!parsed.success) {
      logger.warn('malformed slack block action ignored');
      return;
    }
    const { user, team, channel, message } = parsed.data;
    const i18n = await translatorOf(client, team?.id ?? user.team_id ?? '', user.id);
    if (!executionId.success) {
      await whisper(client, channel.id, user.id, i18n.t('approval.badButton'));
      return;
    }
    const decision = (action as { action_id: string }).action_id === APPROVE_ACTION ? 'approved' : 'denied';
    try {
      const principal = await turns.principalOf({ provider: 'slack', workspace: team?.id ?? user.team_id ?? '', externalId: user.id });
      const execution =
        decision === 'approved'
          ? await approvals.approve(principal, executionId.data, 'slack')
          : await approvals.deny(principal, executionId.data, 'slack');
      const card = executionBlocks(execution, { name: principal.userName, decision });
      const ids = new Set([`execution:${execution.id}`, `decide:${execution.id}`]);
      const previous = (message.blocks ?? []) as unknown as KnownBlock[];
      const at = previous.findIndex((block) => ids.has(String(block.block_id)));
      const blocks =
        at < 0 ? card : [...previous.slice(0, at), ...card, ...previous.slice(at).filter((block) => !ids.has(String(block.block_id)))];
      await client.chat.update({
        channel: channel.id,
        ts: message.ts,
        text: i18n.t('approval.decidedBy', { tool: execution.tool, decision: i18n.t(`approval.${decision}`), name: principal.userName }),
        blocks,
      });
    } catch (error) {
      const { status, body: failure } = toErrorBody(error);
      if (status >= 500 && !isOutage(error)) logger.error({ err: error, executionId: executionId.data }, 'slack approval failed');
      if (isOutage(error)) failure.message = retryLaterReply();
      await whisper(
        client,
        channel.id,
        user.id,
        i18n.t('approval.notDecided', { decision: i18n.t(`approval.${decision}`), reason: failure.message }),
      );
    }
  };

  return { decide, incidentClick };
}
