/**
 * Block Kit rendering of agent answers: the reply text in sections (Slack caps a section at
 * 3,000 characters and a message at 50 blocks), dedicated cards for knowledge and service
 * search results (slack-cards.ts), and a card with Approve/Deny buttons for each execution
 * waiting for approval. Decided cards show who decided and the outcome.
 */
import type { types } from '@slack/bolt';
import type { TurnResult } from '../../agents/agent-service.js';
import { describeExecution } from '../../tools/pipeline/execution-summary.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { approversText, executionCardOf, statusWord } from '../../contracts/execution-card.js';
import { createTranslator } from '../../contracts/i18n.js';
import { parseResultView, viewOfResult } from '../../contracts/result-view.js';
import { resultCardBlocks } from './slack-cards.js';
import { viewBlocks } from './slack-result-view.js';

type KnownBlock = types.KnownBlock;

/** action_id of the Approve button. */
export const APPROVE_ACTION = 'vigie_approve';
/** action_id of the Deny button. */
export const DENY_ACTION = 'vigie_deny';

const SECTION_LIMIT = 2_900;
const MAX_BLOCKS = 48;

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

function textSections(text: string): KnownBlock[] {
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

/**
 * The message of one agent answer: its text (or, for a command whose result has a card
 * layout, the cards instead of the JSON dump), the cards of results the agent used, then a
 * card per execution awaiting approval.
 */
export function turnBlocks(result: TurnResult): KnownBlock[] {
  const cards = result.executions.map(resultBlocks).filter((blocks) => blocks !== undefined);
  const content = result.route === 'command' && cards.length > 0 ? [] : textSections(result.message.content);
  for (const card of cards) content.push(...card);
  // Approve/Deny buttons are never truncated away: the text and cards give way first.
  const approvals = result.executions
    .filter((execution) => execution.status === 'pending_approval')
    .flatMap((execution) => executionBlocks(execution));
  const room = MAX_BLOCKS - approvals.length;
  if (content.length <= room) return [...content, ...approvals];
  return [
    ...content.slice(0, Math.max(0, room - 1)),
    { type: 'context', elements: [{ type: 'mrkdwn', text: '… answer truncated; the full text is in the Vigie console.' }] },
    ...approvals,
  ];
}
