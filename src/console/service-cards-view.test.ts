/**
 * The console's service cards as a pure function: real cards from serviceCards() become a
 * node tree with title, subtitle, fields and the "why" footer; untrusted results (markup in
 * titles, wrong types, huge strings, too many cards) are kept as text, dropped or bounded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceCards } from '../tools/services/service-cards.js';
import type { ServiceHit } from '../tools/services/service-search.js';
import { serviceCardsOf, serviceCardsView, type ViewNode } from './service-cards-view.js';

function hit(overrides: Partial<ServiceHit['service']> = {}): ServiceHit {
  return {
    service: {
      id: '0b9f7c1e-4a57-4f1e-9d4e-2c1f0a3b5d6e',
      title: 'Plombier dépannage rapide',
      description: 'Réparation de fuites, robinets et chauffe-eau.',
      category: 'plomberie',
      priceMin: 5000,
      priceMax: 8000,
      currency: 'XAF',
      latitude: 4.093,
      longitude: 9.744,
      city: 'Douala',
      availability: '7j/7',
      status: 'active',
      ownerId: null,
      contact: '+237 690000000',
      createdAt: '2026-11-22T00:00:00.000Z',
      updatedAt: '2026-11-22T00:00:00.000Z',
      ...overrides,
    },
    score: 0.04,
    distanceKm: 5.41,
    why: { matchedTerms: ['plombier'], corrections: ['plombeir → plombier'], sources: ['category', 'text'], similarity: 0.61, distanceKm: 5.41 },
  };
}

const texts = (node: ViewNode): string[] => [...(node.text !== undefined ? [node.text] : []), ...(node.children ?? []).flatMap(texts)];
const byClass = (node: ViewNode, className: string): ViewNode[] => [
  ...(node.className === className ? [node] : []),
  ...(node.children ?? []).flatMap((child) => byClass(child, className)),
];

describe('console service cards', () => {
  it('lays out the cards of a service_search result', () => {
    const result = { status: 'success', data: { cards: serviceCards([hit(), hit({ id: 'second', title: 'Électricien bâtiment', availability: null, contact: null })]) } };
    const cards = serviceCardsOf(result);
    assert.ok(cards);
    assert.equal(cards.length, 2);
    const view = serviceCardsView(cards);
    assert.equal(view.tag, 'ol');
    assert.equal(view.children?.length, 2);
    const [first] = view.children!;
    assert.equal(first!.attributes?.['data-service-id'], '0b9f7c1e-4a57-4f1e-9d4e-2c1f0a3b5d6e');
    assert.deepEqual(byClass(first!, 'service-card-title').map((node) => node.text), ['Plombier dépannage rapide']);
    assert.match(byClass(first!, 'service-card-subtitle')[0]!.text!, /^Plomberie · Douala · 5\.4 km$/);
    const fields = byClass(first!, 'service-card-fields')[0]!.children!.map((node) => `${node.tag}:${node.text}`);
    assert.deepEqual(fields, ['dt:Prix', 'dd:5 000 – 8 000 XAF', 'dt:Disponibilité', 'dd:7j/7', 'dt:Contact', 'dd:+237 690000000']);
    const footer = byClass(first!, 'service-card-footer')[0]!.text!;
    assert.match(footer, /mots : plombier/);
    assert.match(footer, /corrigé : plombeir → plombier/);
    assert.match(footer, /à 5\.4 km/);
    // The second card has no availability or contact: only the price field.
    assert.deepEqual(byClass(view.children![1]!, 'service-card-fields')[0]!.children!.map((node) => node.text), ['Prix', '5 000 – 8 000 XAF']);
  });

  it('keeps markup as text and bounds what it shows', () => {
    const title = '<img src=x onerror="alert(1)"> Plombier';
    const cards = serviceCardsOf({ data: { cards: [{ id: 'x', title, subtitle: 'a'.repeat(5_000), text: 'b', fields: [{ label: 'Prix', value: '<b>1</b>' }], footer: 'why' }] } });
    assert.ok(cards);
    const view = serviceCardsView(cards);
    assert.ok(texts(view).includes(title), 'the title is text, unchanged');
    assert.ok(texts(view).includes('<b>1</b>'));
    assert.equal(byClass(view, 'service-card-subtitle')[0]!.text!.length, 300);
    const many = serviceCardsOf({ data: { cards: Array.from({ length: 50 }, (_, index) => ({ title: `Service ${index}` })) } });
    assert.equal(many?.length, 20);
  });

  it('ignores results without cards and drops malformed cards', () => {
    for (const result of [undefined, null, 'cards', 42, [], {}, { data: null }, { data: { cards: 'x' } }, { data: { cards: {} } }, { data: { cards: [] } }]) {
      assert.equal(serviceCardsOf(result), null, JSON.stringify(result));
    }
    assert.equal(serviceCardsOf({ data: { cards: [null, 1, 'x', { title: 7 }, { title: '   ' }, { subtitle: 'no title' }] } }), null);
    const mixed = serviceCardsOf({
      data: { cards: [{ title: 'Keep me', subtitle: 3, fields: [{ label: 'Prix', value: 5 }, 'x', null, { label: 'Contact', value: 'ok' }], footer: ['no'] }, { title: {} }] },
    });
    assert.deepEqual(mixed, [{ id: '', title: 'Keep me', subtitle: '', text: '', fields: [{ label: 'Contact', value: 'ok' }], footer: '' }]);
    const view = serviceCardsView(mixed!);
    assert.deepEqual(view.children![0]!.children!.map((node) => node.className), ['service-card-title', 'service-card-fields']);
    assert.deepEqual(view.children![0]!.attributes, {});
  });
});
