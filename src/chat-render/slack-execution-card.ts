/**
 * Block Kit of one execution card, shared by the Slack bot and the MCP approval cards
 * (src/mcp/mcp-approval-cards.ts): Approve/Deny buttons while it waits, who decided and the
 * outcome afterwards, in the requester's language. Also the text helpers both need (escaping
 * Slack's control characters, splitting text under a section's limit).
 */
import type { types } from '@slack/bolt';
import { describeExecution } from '../tools/pipeline/execution-summary.js';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { approversText, executionCardOf, statusWord } from '../contracts/execution-card.js';
import { createTranslator } from '../contracts/i18n.js';
import { parseResultView, viewOfResult } from '../contracts/result-view.js';
import { resultCardBlocks } from './slack-cards.js';
import { viewBlocks } from './slack-result-view.js';

type KnownBlock = types.KnownBlock;

/** action_id of the Approve button. */
export const APPROVE_ACTION = 'vigie_approve';
/** action_id of the Deny button. */
export const DENY_ACTION = 'vigie_deny';

const SECTION_LIMIT = 2_900;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Splits text into pieces of at most `limit` characters, preferring line breaks. */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const cut = rest.lastIndexOf('\n', limit);
    const at = cut > limit / 2 ? cut : limit;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/** Text as mrkdwn sections under Slack's limit (data-looking text in a code block). */
export function textSections(text: string): KnownBlock[] {
  const looksLikeData = /\n\s*[{[]/.test(text);
  return splitText(escapeSlackText(text), SECTION_LIMIT).map((piece) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: looksLikeData ? '```' + piece + '```' : piece },
  }));
}

/** The readable result of a finished execution: its result view, else the dedicated cards. */
export function resultBlocks(execution: ExecutionView): KnownBlock[] | undefined {
  const view = execution.status === 'pending_approval' ? null : viewOfResult(execution.result);
  return view ? viewBlocks(view, 30) : resultCardBlocks(execution);
}

/** The card of one execution: buttons while pending, the decision and outcome afterwards. */
export function executionBlocks(execution: ExecutionView, decidedBy?: { name: string; decision: 'approved' | 'denied' }): KnownBlock[] {
  // The card's words in the requester's language (the execution's stored locale), like its view.
  const i18n = createTranslator(execution.locale ?? undefined);
  const header = `*${escapeSlackText(execution.tool)}* · ${i18n.t('card.risk', { risk: `\`${execution.riskLevel}\`` })} · ${escapeSlackText(i18n.t('card.requestedBy', { name: execution.requesterName }))} · \`${statusWord(execution.status, i18n)}\``;
  const blocks: KnownBlock[] = [{ type: 'section', block_id: `execution:${execution.id}`, text: { type: 'mrkdwn', text: header } }];
  if (decidedBy) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${decidedBy.decision === 'approved' ? ':white_check_mark:' : ':no_entry:'} ${escapeSlackText(i18n.t(decidedBy.decision === 'approved' ? 'card.approvedBy' : 'card.deniedBy', { name: decidedBy.name }))}`,
        },
      ],
    });
  }
  if (execution.status === 'pending_approval') {
    // What approving will do (the QoS diff and tc commands, the targets, the draft) and who may approve.
    const preview = parseResultView(execution.preview);
    if (preview) blocks.push(...viewBlocks(preview, 30));
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: escapeSlackText(approversText(executionCardOf(execution as unknown as Record<string, unknown>), i18n)) },
      ],
    });
    blocks.push({
      type: 'actions',
      block_id: `decide:${execution.id}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          value: execution.id,
          text: { type: 'plain_text', text: i18n.t('approval.approve') },
        },
        {
          type: 'button',
          action_id: DENY_ACTION,
          style: 'danger',
          value: execution.id,
          text: { type: 'plain_text', text: i18n.t('approval.deny') },
        },
      ],
    });
  } else if (decidedBy) {
    blocks.push(...(resultBlocks(execution) ?? textSections(describeExecution(execution))));
  }
  return blocks;
}
