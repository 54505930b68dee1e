/**
 * Slack cards from real result shapes (knowledge_search citations built with sourceLine,
 * service_search cards built with serviceCards): dedicated sections instead of JSON, escaped
 * user text, links only for http(s), every Block Kit limit held however large the result,
 * Approve/Deny never truncated away, and anything malformed falls back to the plain text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnResult } from '../../agents/agent-service.js';
import { sourceLine } from '../../knowledge/citations.js';
import type { Passage } from '../../knowledge/hybrid-search.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { serviceCards } from '../../tools/services/service-cards.js';
import type { ServiceHit } from '../../tools/services/service-search.js';
import { turnBlocks } from './slack-blocks.js';
import { knowledgeBlocks, resultCardBlocks, serviceBlocks, SLACK_LIMITS } from '../../chat-render/slack-cards.js';

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string }>;
};

const passage = (index: number, extra: Partial<Passage> = {}): Passage => ({
  chunkId: `c${index}`,
  documentId: `d${index}`,
  title: `Core router runbook ${index}`,
  sourceUrl: `https://wiki.example/runbooks/core-${index}?a=1&b=2`,
  headingPath: [`Core router runbook ${index}`, 'Failover', 'BGP'],
  startOffset: 0,
  endOffset: 400,
  content: `Drain the BGP sessions before failing over (step ${index}).`,
  score: 0.5,
  lexicalRank: 1,
  vectorRank: 1,
  vectorDistance: 0.2,
  ...extra,
});

/** The data of a knowledge_search result, as src/tools/core/knowledge-search-tool.ts builds it. */
const knowledgeData = (passages: Passage[]) => ({
  answer: 'ignored here',
  citations: passages.map((item, index) => ({
    marker: `[${index + 1}]`,
    source: sourceLine(item, index),
    documentId: item.documentId,
    title: item.title,
    sourceUrl: item.sourceUrl,
    headingPath: item.headingPath,
    startOffset: item.startOffset,
    endOffset: item.endOffset,
    score: item.score,
    text: item.content,
  })),
});

const hit = (index: number, extra: Partial<ServiceHit['service']> = {}): ServiceHit => ({
  service: {
    id: `s${index}`,
    title: `Plombier ${index}`,
    description: 'Dépannage fuite, installation sanitaire.',
    category: 'plumbing',
    priceMin: 5000,
    priceMax: 8000,
    currency: 'XAF',
    latitude: 4.05,
    longitude: 9.7,
    city: 'Douala',
    availability: 'lun–sam',
    status: 'active',
    ownerId: null,
    contact: '+237 600 000 000',
    createdAt: '',
    updatedAt: '',
    ...extra,
  },
  score: 1,
  distanceKm: 2.5,
  why: { matchedTerms: ['plombier'], corrections: [], sources: ['lexical'], similarity: 0.8, distanceKm: 2.5 },
});

const execution = (tool: string, data: unknown, extra: Partial<ExecutionView> = {}): ExecutionView => ({
  id: '00000000-0000-4000-8000-000000000001',
  tool,
  toolset: 'core',
  riskLevel: 'read',
  arguments: { query: 'core router failover' },
  status: 'succeeded',
  requesterId: 'u',
  requesterName: 'ops',
  channel: 'slack',
  conversationId: null,
  approverId: null,
  decidedAt: null,
  expiresAt: null,
  startedAt: null,
  finishedAt: null,
  durationMs: 3,
  result: { status: 'success', data },
  progress: null,
  traceId: 't',
  createdAt: '',
  ...extra,
});

const turn = (route: TurnResult['route'], content: string, executions: ExecutionView[]): TurnResult => ({
  route,
  executions,
  message: { content } as TurnResult['message'],
});

/** Asserts every Block Kit limit the renderer promises. */
function assertWithinLimits(blocks: Block[]): void {
  assert.ok(blocks.length <= SLACK_LIMITS.blocks, `${blocks.length} blocks`);
  for (const block of blocks) {
    if (block.text) assert.ok(block.text.text.length <= SLACK_LIMITS.text, `text of ${block.text.text.length}`);
    if (block.fields) {
      assert.ok(block.fields.length <= SLACK_LIMITS.fields);
      for (const field of block.fields) assert.ok(field.text.length <= SLACK_LIMITS.fieldText);
    }
    if (block.type === 'context') {
      assert.ok(block.elements!.length <= SLACK_LIMITS.contextElements);
      for (const element of block.elements!) assert.ok((element.text ?? '').length <= SLACK_LIMITS.text);
    }
    if (block.block_id) assert.ok(block.block_id.length <= 255);
  }
}

describe('slack knowledge cards', () => {
  it('shows each cited passage, then the sources with links and heading paths', () => {
    const blocks = knowledgeBlocks(knowledgeData([passage(1), passage(2)]), 'core router failover') as Block[];
    assert.match(blocks[0]!.text!.text, /2 passages for “core router failover”/);
    assert.match(blocks[1]!.text!.text, /^\*\[1\]\* Drain the BGP sessions/);
    assert.equal(blocks[3]!.type, 'divider');
    const sources = blocks[4]!.text!.text;
    assert.match(
      sources,
      /^\*Sources\*\n\[1\] <https:\/\/wiki\.example\/runbooks\/core-1\?a=1&amp;b=2\|Core router runbook 1> › Failover › BGP/,
    );
    assert.match(sources, /\[2\] <https:\/\/wiki\.example\/runbooks\/core-2/);
    assertWithinLimits(blocks);
  });

  it('escapes user text and links only http(s) sources', () => {
    const hostile = passage(1, {
      title: 'Runbook <!channel> | <@U1>',
      sourceUrl: 'javascript:alert(1)',
      content: 'Run <script> & ping <!here>',
    });
    const text = JSON.stringify(knowledgeBlocks(knowledgeData([hostile])));
    assert.ok(!text.includes('<!channel>') && !text.includes('<!here>') && !text.includes('<@U1>'), text);
    assert.ok(!text.includes('javascript:'), 'no link for a non-http URL');
    assert.match(text, /\*Runbook &lt;!channel&gt; \| &lt;@U1&gt;\*/);
  });

  it('takes the link from the source line when the result has no sourceUrl field (older results)', () => {
    const data = knowledgeData([passage(3)]);
    delete (data.citations[0] as { sourceUrl?: unknown }).sourceUrl;
    assert.match(JSON.stringify(knowledgeBlocks(data)), /<https:\/\/wiki\.example\/runbooks\/core-3\?a=1&amp;b=2\|/);
  });
});

describe('slack service cards', () => {
  it('lays out one section per card with its fields, and why/distance in a context line', () => {
    const blocks = serviceBlocks({
      cards: serviceCards([hit(1), hit(2, { priceMin: null, priceMax: null, availability: null, contact: null })]),
    }) as Block[];
    assert.match(blocks[0]!.text!.text, /2 matches/);
    const [first, why, second] = blocks.slice(1);
    assert.equal(first!.block_id, 'service:s1');
    assert.match(first!.text!.text, /^\*Plombier 1\*\n_.*Douala · 2\.5 km_\nDépannage fuite/);
    assert.deepEqual(
      first!.fields!.map((field) => field.text.split('\n')[0]),
      ['*Prix*', '*Disponibilité*', '*Contact*'],
    );
    assert.match(first!.fields![0]!.text, /5 000 – 8 000 XAF/);
    assert.equal(why!.type, 'context');
    assert.match(why!.elements![0]!.text!, /mots : plombier.*similarité 0\.80.*à 2\.5 km/);
    assert.deepEqual(
      second!.fields!.map((field) => field.text),
      ['*Prix*\nsur devis'],
    );
    assertWithinLimits(blocks);
  });

  it('escapes card text so a listing cannot mention a channel', () => {
    const text = JSON.stringify(
      serviceBlocks({ cards: serviceCards([hit(1, { title: '<!channel> promo', description: '<https://evil|click>' })]) }),
    );
    assert.ok(!text.includes('<!channel>') && !text.includes('<https://evil'), text);
  });
});

describe('slack cards within limits and fallbacks', () => {
  it('holds every limit with a huge result and keeps the Approve/Deny buttons', () => {
    const long = 'x'.repeat(10_000);
    const passages = Array.from({ length: 40 }, (_, index) =>
      passage(index, { title: `${long}<&>`, content: long, headingPath: [long, long] }),
    );
    const cards = Array.from({ length: 40 }, (_, index) => ({
      id: `s${index}`.repeat(100),
      title: long,
      subtitle: long,
      text: long,
      footer: `${long}&`,
      fields: Array.from({ length: 20 }, () => ({ label: long, value: `${long}&` })),
    }));
    for (const blocks of [knowledgeBlocks(knowledgeData(passages)), serviceBlocks({ cards })]) assertWithinLimits(blocks as Block[]);
    const pending = execution('restart_service', null, {
      id: '00000000-0000-4000-8000-000000000002',
      status: 'pending_approval',
      result: null,
    });
    const blocks = turnBlocks(
      turn('agent', long.repeat(5), [
        execution('knowledge_search', knowledgeData(passages)),
        execution('service_search', { cards }),
        pending,
      ]),
    ) as Block[];
    assertWithinLimits(blocks);
    assert.equal(blocks.length, 48);
    assert.equal(blocks.at(-1)!.type, 'actions', 'the buttons survive truncation');
    assert.ok(blocks.some((block) => block.type === 'context' && /truncated/.test(block.elements![0]!.text!)));
  });

  it('replaces the JSON dump of a command by the cards, and adds them under an agent answer', () => {
    const search = execution('knowledge_search', knowledgeData([passage(1)]));
    const command = JSON.stringify(turnBlocks(turn('command', 'knowledge_search succeeded:\n{"answer": "…"}', [search])));
    assert.ok(!command.includes('succeeded:'), 'no raw JSON for a command with cards');
    assert.match(command, /Knowledge base/);
    const agent = turnBlocks(turn('agent', 'Drain BGP first [1].', [search])) as Block[];
    assert.equal(agent[0]!.text!.text, 'Drain BGP first [1].');
    assert.match(JSON.stringify(agent), /Sources/);
  });

  it('falls back to the plain rendering for malformed or other results', () => {
    for (const data of [{ citations: 'nope' }, { citations: [] }, { citations: [{ marker: '[1]' }] }, null, 'text'])
      assert.equal(knowledgeBlocks(data), undefined);
    for (const data of [{ cards: [] }, { cards: [{ title: 'no id' }] }, { cards: 'x' }, undefined])
      assert.equal(serviceBlocks(data), undefined);
    assert.equal(resultCardBlocks(execution('knowledge_search', knowledgeData([passage(1)]), { status: 'failed' })), undefined);
    assert.equal(
      resultCardBlocks(execution('knowledge_search', knowledgeData([passage(1)]), { result: { status: 'no_data', message: 'none' } })),
      undefined,
    );
    assert.equal(resultCardBlocks(execution('system_status', { uptimeSeconds: 1 })), undefined);
    const blocks = turnBlocks(
      turn('command', 'service_search succeeded:\n{\n  "cards": "x"\n}', [execution('service_search', { cards: 'x' })]),
    ) as Block[];
    assert.match(blocks[0]!.text!.text, /^```service_search succeeded/);
  });
});
