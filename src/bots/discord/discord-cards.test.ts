/**
 * Citation and service-card embeds: built from the real tool result shapes (formatCitedPassages'
 * citations, serviceCards()), within every Discord limit however large the result, and
 * placed by turnMessages for commands and agent answers alike.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnResult } from '../../agents/agent-service.js';
import { sourceLine } from '../../knowledge/citations.js';
import type { Passage } from '../../knowledge/hybrid-search.js';
import type { ExecutionView } from '../../tools/pipeline/execution-view.js';
import { serviceCards } from '../../tools/services/service-cards.js';
import type { ServiceHit } from '../../tools/services/service-search.js';
import {
  citationEmbed,
  clampEmbed,
  EMBED_LIMITS,
  embedLength,
  packEmbeds,
  resultCards,
  serviceCardEmbeds,
  type DiscordEmbed,
} from '../../chat-render/discord-cards.js';
import { turnMessages } from './discord-render.js';

const passage = (index: number, content: string, title = 'Core router failover'): Passage => ({
  chunkId: `c${index}`,
  documentId: `d${index}`,
  title,
  sourceUrl: null,
  headingPath: [title, 'Procedure'],
  startOffset: index * 100,
  endOffset: index * 100 + content.length,
  content,
  score: 1 / (index + 1),
  lexicalRank: index,
  vectorRank: index,
  vectorDistance: 0.1,
});
/** The data knowledge_search returns (src/tools/core/knowledge-search-tool.ts). */
const knowledgeData = (passages: Passage[]) => ({
  answer: 'unused here',
  citations: passages.map((item, index) => ({
    marker: `[${index + 1}]`,
    source: sourceLine(item, index),
    documentId: item.documentId,
    title: item.title,
    headingPath: item.headingPath,
    startOffset: item.startOffset,
    endOffset: item.endOffset,
    score: item.score,
    text: item.content,
  })),
});
const hit = (index: number, title = `Plombier ${index}`): ServiceHit => ({
  service: {
    id: `s${index}`,
    title,
    description: 'Répare les fuites et installe les chauffe-eau, déplacement rapide.',
    category: 'plomberie',
    priceMin: 5_000,
    priceMax: 8_000,
    currency: 'XAF',
    latitude: 4.05,
    longitude: 9.7,
    city: 'Douala',
    availability: 'lun-sam',
    status: 'active',
    ownerId: null,
    contact: '+237 6 00 00 00 00',
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
  },
  score: 1,
  distanceKm: 2.345,
  why: { matchedTerms: ['plombier'], corrections: [], sources: ['lexical'], similarity: 0.82, distanceKm: 2.345 },
});
const execution = (tool: string, data: unknown, status: ExecutionView['status'] = 'succeeded'): ExecutionView => ({
  id: '00000000-0000-4000-8000-000000000001',
  tool,
  toolset: 'core',
  riskLevel: 'read',
  arguments: {},
  status,
  requesterId: 'u',
  requesterName: 'alice',
  channel: 'discord',
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
  createdAt: '2024-01-01T00:00:00Z',
});
const withinLimits = (embeds: DiscordEmbed[]) => {
  assert.ok(embeds.length <= EMBED_LIMITS.perMessage);
  assert.ok(embeds.reduce((sum, embed) => sum + embedLength(embed), 0) <= EMBED_LIMITS.totalChars);
  for (const embed of embeds) {
    assert.ok((embed.title?.length ?? 0) <= EMBED_LIMITS.title);
    assert.ok((embed.description?.length ?? 0) <= EMBED_LIMITS.description);
    assert.ok((embed.fields?.length ?? 0) <= EMBED_LIMITS.fields);
    for (const field of embed.fields ?? []) {
      assert.ok(field.name.length >= 1 && field.name.length <= EMBED_LIMITS.fieldName);
      assert.ok(field.value.length >= 1 && field.value.length <= EMBED_LIMITS.fieldValue);
    }
  }
};

describe('discord citation embeds', () => {
  it('lists each cited passage as a field: marker, title, excerpt and where it is', () => {
    const embed = citationEmbed(
      knowledgeData([
        passage(0, 'Drain BGP on the primary, then move the VRRP priority.'),
        passage(1, 'Check the standby uplink.', 'Uplinks'),
      ]),
    )!;
    assert.equal(embed.title, 'Sources');
    assert.deepEqual(
      embed.fields!.map((field) => field.name),
      ['[1] Core router failover', '[2] Uplinks'],
    );
    assert.match(embed.fields![0]!.value, /^Drain BGP on the primary/);
    assert.match(embed.fields![0]!.value, /\*Core router failover › Procedure — chars 0–54\*/);
    assert.equal(embed.footer!.text, 'knowledge base · 2 passages');
  });

  it('stays within Discord limits for many long passages with long titles', () => {
    const passages = Array.from({ length: 30 }, (_, index) => passage(index, 'word '.repeat(2_000), `T${'i'.repeat(400)}`));
    const embed = citationEmbed(knowledgeData(passages))!;
    withinLimits([embed]);
    assert.ok(embed.fields!.length >= 3);
    assert.ok(embed.fields![0]!.name.endsWith('…'));
  });

  it('refuses shapes that are not citations', () => {
    assert.equal(citationEmbed({ citations: 'nope' }), undefined);
    assert.equal(citationEmbed({ citations: [] }), undefined);
    assert.equal(citationEmbed(null), undefined);
  });
});

describe('discord service card embeds', () => {
  it('renders one embed per card with its fields and the why/distance footer', () => {
    const embeds = serviceCardEmbeds({ cards: serviceCards([hit(1), hit(2)]) })!;
    assert.equal(embeds.length, 2);
    assert.equal(embeds[0]!.title, 'Plombier 1');
    assert.match(embeds[0]!.description!, /Douala · 2\.3 km/);
    assert.deepEqual(
      embeds[0]!.fields!.map((field) => [field.name, field.inline]),
      [
        ['Prix', true],
        ['Disponibilité', true],
        ['Contact', true],
      ],
    );
    assert.equal(embeds[0]!.fields![0]!.value, '5 000 – 8 000 XAF');
    assert.match(embeds[0]!.footer!.text, /mots : plombier · similarité 0\.82 · à 2\.3 km/);
  });

  it('clips long titles and packs many cards into messages of at most 10 embeds and 6,000 characters', () => {
    const cards = serviceCards(Array.from({ length: 23 }, (_, index) => hit(index, `Service ${index} ${'x'.repeat(300)}`)));
    const embeds = serviceCardEmbeds({ cards })!;
    assert.ok(embeds.every((embed) => embed.title!.length === EMBED_LIMITS.title));
    const groups = packEmbeds(embeds);
    assert.equal(groups.flat().length, 23);
    assert.ok(groups.length >= 3);
    for (const group of groups) withinLimits(group);
  });

  it('cuts an oversized embed down to the 6,000-character budget', () => {
    const huge = clampEmbed({
      title: 'x',
      description: 'd'.repeat(10_000),
      fields: Array.from({ length: 40 }, (_, index) => ({ name: `f${index}`, value: 'v'.repeat(2_000) })),
      footer: { text: 'f'.repeat(3_000) },
    });
    withinLimits([huge]);
    assert.equal(clampEmbed({ title: '   ', fields: [{ name: '', value: '' }] }).fields![0]!.value, '—', 'Discord refuses empty values');
  });

  it('refuses shapes that are not cards', () => {
    assert.equal(serviceCardEmbeds({ cards: [{ title: 1 }] }), undefined);
    assert.equal(serviceCardEmbeds({ hits: [] }), undefined);
  });
});

describe('discord result cards in answers', () => {
  it('only renders succeeded knowledge_search and service_search results', () => {
    const data = { cards: serviceCards([hit(1)]) };
    assert.ok(resultCards(execution('service_search', data)));
    assert.equal(resultCards(execution('service_search', data, 'failed')), undefined);
    assert.equal(resultCards({ ...execution('service_search', data), result: { status: 'no_data', message: 'none' } }), undefined);
    assert.equal(resultCards(execution('net_check', data)), undefined);
  });

  it("replaces a command's JSON dump with a summary and the cards, splitting past 10 embeds", () => {
    const run = execution('service_search', { cards: serviceCards(Array.from({ length: 12 }, (_, index) => hit(index))) });
    const messages = turnMessages({
      message: { content: 'service_search succeeded:\n{"cards": …}' },
      executions: [run],
      route: 'command',
    } as unknown as TurnResult);
    assert.equal(messages[0]!.content, 'service_search found 12 services:');
    assert.equal(messages[0]!.embeds!.length, 10);
    assert.equal(messages[1]!.embeds!.length, 2);
    assert.equal(messages[1]!.content, undefined);
  });

  it("keeps an agent's answer and adds the sources embed after it", () => {
    const run = execution('knowledge_search', knowledgeData([passage(0, 'Drain BGP first.')]));
    const messages = turnMessages({
      message: { content: 'Drain BGP first [1].' },
      executions: [run],
      route: 'agent',
    } as unknown as TurnResult);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.content, 'Drain BGP first [1].');
    assert.equal(messages[0]!.embeds![0]!.title, 'Sources');
  });
});
