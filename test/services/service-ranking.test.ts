/**
 * Ranking on a fixture catalog, on every backend: exact, typo, accent-less, synonym-ish and
 * geo-constrained needs put the expected service in the top 3; the radius filter never
 * returns a service outside it (checked with an independent haversine); each hit explains
 * itself; the semantic cache answers repeats and is cleared by catalog writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { SemanticCache } from '../../src/tools/services/semantic-cache.js';
import { ServiceEngine } from '../../src/tools/services/service-engine.js';
import { TermCorrector } from '../../src/tools/services/term-corrector.js';
import { serviceInputSchema, serviceSearchSchema } from '../../src/tools/services/service-schemas.js';
import { testBackends } from '../support/test-databases.js';
import { FIXTURES } from './service-fixtures.js';

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const a =
    Math.sin(radians(lat2 - lat1) / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(radians(lon2 - lon1) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
}

for (const backend of testBackends()) {
  describe(`service search ranking on ${backend.name}`, () => {
    let database: Database;
    let engine: ServiceEngine;
    const idByKey = new Map<string, string>();
    const keyById = new Map<string, string>();

    before(async () => {
      database = await backend.open();
      engine = new ServiceEngine({ sql: database.sql, embedder: createLexicalEmbedder() });
      for (const { key, ...fixture } of FIXTURES) {
        const service = await engine.create(null, serviceInputSchema.parse(fixture));
        idByKey.set(key, service.id);
        keyById.set(service.id, key);
      }
    });
    after(async () => {
      await database.close();
    });

    // Expected: a service key in the top 3, or a category that all of the top 3 belong to.
    const cases: Array<[string, Record<string, unknown>, string | { category: string }]> = [
      ['exact', { q: 'plombier chauffagiste' }, 'plumber-paris'],
      ['exact, one word', { q: 'plombier' }, { category: 'plomberie' }],
      ['typo', { q: 'plombeir' }, { category: 'plomberie' }],
      ['typo in a rarer word', { q: 'menusier' }, 'carpenter-yaounde'],
      ['typo and accent-less', { q: 'electricein batiment' }, 'electrician-douala'],
      ['accent-less', { q: 'electricien batiment' }, 'electrician-douala'],
      ['accent-less, one word', { q: 'electricien' }, { category: 'electricite' }],
      ['synonym-ish', { q: 'plomberie urgente' }, { category: 'plomberie' }],
      ['synonym-ish, need words', { q: "j'ai une fuite d'eau" }, { category: 'plomberie' }],
      ['synonym-ish, category keyword', { q: 'réparer mon frigo' }, 'clim-dakar'],
      ['geo-constrained', { q: 'plombier pas cher près de Douala' }, 'plumber-bonamoussadi'],
      ['geo by coordinates', { q: 'électricien', lat: 5.35, lon: -4.0, radius_km: 30 }, 'electrician-abidjan'],
      ['another category', { q: 'cours de maths pour le bac' }, 'tutor-yaounde'],
    ];
    for (const [label, query, expected] of cases) {
      it(`${label}: "${String(query.q)}" puts ${JSON.stringify(expected)} in the top 3`, async () => {
        const result = await engine.search(serviceSearchSchema.parse(query));
        const hits = result.hits.slice(0, 3);
        const keys = hits.map((hit) => keyById.get(hit.service.id)!);
        if (typeof expected === 'string') assert.ok(keys.includes(expected), `got ${keys.join(', ')}`);
        else {
          assert.equal(hits.length, 3, `got ${keys.join(', ')}`);
          for (const hit of hits) assert.equal(hit.service.category, expected.category, `got ${keys.join(', ')}`);
        }
        for (const hit of hits) {
          assert.ok(hit.why.sources.length > 0 && hit.score > 0);
          assert.ok(
            hit.why.sources.every((source) => ['text', 'vector', 'category', 'geo'].includes(source)),
            `sources ${JSON.stringify(hit.why.sources)}`,
          );
        }
      });
    }

    it('the geo-constrained need ranks the cheap Douala plumber first, with its distance', async () => {
      const result = await engine.search(serviceSearchSchema.parse({ q: 'plombier pas cher près de Douala' }));
      const [first] = result.hits;
      assert.equal(keyById.get(first!.service.id), 'plumber-bonamoussadi');
      assert.equal(result.understood.place, 'Douala');
      assert.ok(first!.distanceKm !== null && first!.distanceKm < 10);
      assert.ok(first!.why.matchedTerms.includes('plombier'));
    });

    it('explains a typo correction', async () => {
      const result = await engine.search(serviceSearchSchema.parse({ q: 'plombeir' }));
      const corrected = result.understood.corrections.plombeir;
      assert.ok(corrected === 'plombier' || corrected === 'plomberie', `corrected to ${corrected}`);
      assert.ok(result.hits[0]!.why.corrections.includes(`plombeir → ${corrected}`));
    });

    it('never returns a service outside the radius (checked with haversine)', async () => {
      const centres = [
        [4.0511, 9.7679],
        [3.848, 11.5021],
        [5.36, -4.0083],
        [48.8566, 2.3522],
      ] as const;
      for (const [lat, lon] of centres) {
        for (const radius of [1, 5, 10, 300, 1000]) {
          for (const q of ['', 'plombier', 'électricien', 'service']) {
            const result = await engine.search(serviceSearchSchema.parse({ q, lat, lon, radius_km: radius, limit: 50 }));
            for (const hit of result.hits) {
              const { latitude, longitude } = hit.service;
              assert.ok(latitude !== null && longitude !== null, 'a located search returned an unlocated service');
              const distance = haversineKm(lat, lon, latitude, longitude);
              assert.ok(distance <= radius + 1e-6, `${hit.service.title} at ${distance} km > ${radius} km`);
              assert.ok(Math.abs(distance - hit.distanceKm!) < 0.05);
            }
          }
        }
      }
      const near = await engine.search(serviceSearchSchema.parse({ q: '', lat: 4.0511, lon: 9.7679, radius_km: 10, limit: 50 }));
      assert.ok(near.hits.length >= 5, 'geo-only search returns the Douala services');
      const distances = near.hits.map((hit) => hit.distanceKm!);
      assert.deepEqual(
        distances,
        [...distances].sort((left, right) => left - right),
        'geo-only results go nearest first',
      );
    });

    it('applies category and price ceiling filters', async () => {
      const result = await engine.search(serviceSearchSchema.parse({ q: 'plombier', price_max: 10000, limit: 50 }));
      assert.ok(result.hits.length > 0);
      for (const hit of result.hits) assert.ok((hit.service.priceMin ?? 0) <= 10000);
      const electric = await engine.search(serviceSearchSchema.parse({ q: 'dépannage', category: 'electricite', limit: 50 }));
      assert.ok(electric.hits.length > 0);
      for (const hit of electric.hits) assert.equal(hit.service.category, 'electricite');
    });

    it('answers repeats from the semantic cache and forgets after a write', async () => {
      const first = await engine.search(serviceSearchSchema.parse({ q: 'coiffeuse tresses' }));
      const second = await engine.search(serviceSearchSchema.parse({ q: 'Coiffeuse  tresses' }));
      assert.equal(second.cached, true);
      assert.deepEqual(
        second.hits.map((hit) => hit.service.id),
        first.hits.map((hit) => hit.service.id),
      );
      await engine.update(idByKey.get('hair-douala')!, { status: 'paused' });
      const third = await engine.search(serviceSearchSchema.parse({ q: 'coiffeuse tresses' }));
      assert.equal(third.cached, false);
      assert.ok(!third.hits.some((hit) => keyById.get(hit.service.id) === 'hair-douala'), 'paused services are not searchable');
    });

    it('remembers typo corrections until the catalog changes, and for a bounded time', async () => {
      const uncached = new ServiceEngine({
        sql: database.sql,
        embedder: createLexicalEmbedder(),
        cache: new SemanticCache({ maxEntries: 0 }),
      });
      const first = await uncached.search(serviceSearchSchema.parse({ q: 'plombeir' }));
      assert.equal(uncached.corrector.lookups, 1);
      const again = await uncached.search(serviceSearchSchema.parse({ q: 'plombeir' }));
      assert.equal(uncached.corrector.lookups, 1, 'a repeated word needs no lexicon round trip');
      assert.deepEqual(again.understood.corrections, first.understood.corrections);
      assert.deepEqual(
        again.hits.map((hit) => hit.service.id),
        first.hits.map((hit) => hit.service.id),
      );
      await uncached.search(serviceSearchSchema.parse({ q: 'plombeir electricein' }));
      assert.equal(uncached.corrector.lookups, 2, 'only the new word is looked up');
      await uncached.update(idByKey.get('tailor-abidjan')!, { availability: 'Du lundi au samedi' });
      const afterWrite = await uncached.search(serviceSearchSchema.parse({ q: 'plombeir' }));
      assert.equal(uncached.corrector.lookups, 3, 'a catalog write forgets the corrections');
      assert.deepEqual(afterWrite.understood.corrections, first.understood.corrections);

      let clock = 0;
      const corrector = new TermCorrector({ ttlMs: 1_000, now: () => clock });
      const found = await corrector.correct(database.sql, ['menusier', 'plombier', 'eau']);
      assert.deepEqual(Object.keys(found), ['menusier'], 'known words and short words are never corrected');
      assert.match(found.menusier!, /^menuis/);
      clock = 999;
      await corrector.correct(database.sql, ['menusier']);
      assert.equal(corrector.lookups, 1);
      clock = 1_001;
      await corrector.correct(database.sql, ['menusier']);
      assert.equal(corrector.lookups, 2, 'expired answers are looked up again');
    });

    it('treats SQL-looking text as words', async () => {
      const result = await engine.search(serviceSearchSchema.parse({ q: "plombier'; DROP TABLE services; -- \\ :* & | !" }));
      assert.ok(result.hits.some((hit) => keyById.get(hit.service.id)?.startsWith('plumber')));
      const count = await database.sql.query<{ count: string }>('SELECT count(*) FROM services');
      assert.equal(Number(count[0]!.count), FIXTURES.length);
    });
  });
}
