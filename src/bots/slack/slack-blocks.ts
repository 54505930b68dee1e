/**
 * Block Kit rendering of agent answers: the reply text in sections (Slack caps a section at
 * 3,000 characters and a message at 50 blocks), dedicated cards for knowledge and service
 * search results, and the card with Approve/Deny buttons of each execution waiting for
 * approval (src/chat-render/slack-execution-card.ts, shared with the MCP approval cards).
 */
import type { types } from '@slack/bolt';
import type { TurnResult } from '../../agents/agent-service.js';
import { executionBlocks, resultBlocks, textSections } from '../../chat-render/slack-execution-card.js';

type KnownBlock = types.KnownBlock;

const MAX_BLOCKS = 48;

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
