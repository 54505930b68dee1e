/**
 * /api/services over real HTTP on every backend: CRUD with ownership and roles, search and
 * drafts, audit records, and bad input (lat 200, radius -1, 10 KB queries, SQL-looking
 * text, empty q with geo only, incoherent prices) answered with a clear 400 or a sensible
 * result, never a crash or a half-written row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const plumber = {
  title: 'Plombier dépannage rapide',
  description: 'Réparation de fuites et chauffe-eau, le soir aussi.',
  category: 'plomberie',
  priceMin: 5000,
  priceMax: 10000,
  currency: 'XAF',
  latitude: 4.093,
  longitude: 9.744,
  city: 'Douala',
};

for (const backend of testBackends()) {
  describe(`services API on ${backend.name}`, () => {
    let harness: TestApp;
    let alice: ReturnType<typeof apiClient>;
    let bob: ReturnType<typeof apiClient>;
    let viewer: ReturnType<typeof apiClient>;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      harness = await startTestApp(await backend.open());
      alice = apiClient(harness.url, (await harness.createUser('operator')).token);
      bob = apiClient(harness.url, (await harness.createUser('operator')).token);
      viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      admin = apiClient(harness.url, harness.adminToken);
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('creates, reads, lists, searches, updates and deletes a service', async () => {
      const created = await alice.post('/api/services', plumber);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.title, plumber.title);
      assert.equal(created.body.priceMin, 5000);
      assert.equal(created.body.status, 'active');
      const id = created.body.id;

      assert.equal((await viewer.get(`/api/services/${id}`)).body.city, 'Douala');
      const listed = await viewer.get('/api/services?category=plomberie&limit=5');
      assert.equal(listed.status, 200);
      assert.ok(listed.body.data.some((service: { id: string }) => service.id === id));

      const found = await viewer.get('/api/services/search?q=plombeir%20pr%C3%A8s%20de%20Douala');
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.data[0].service.id, id);
      assert.equal(found.body.understood.place, 'Douala');
      assert.ok(found.body.data[0].distanceKm < 10);

      const updated = await alice.patch(`/api/services/${id}`, { priceMax: 12000, availability: '7j/7' });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.priceMax, 12000);
      assert.equal(updated.body.title, plumber.title);

      assert.equal((await bob.patch(`/api/services/${id}`, { title: 'volé' })).status, 403);
      assert.equal((await bob.delete(`/api/services/${id}`)).status, 403);
      assert.equal((await viewer.post('/api/services', plumber)).status, 403);
      assert.equal((await admin.patch(`/api/services/${id}`, { status: 'paused' })).body.status, 'paused');
      const hidden = await viewer.get('/api/services/search?q=plombier');
      assert.ok(!hidden.body.data.some((hit: { service: { id: string } }) => hit.service.id === id), 'paused services are not found');

      assert.equal((await alice.delete(`/api/services/${id}`)).status, 204);
      assert.equal((await viewer.get(`/api/services/${id}`)).status, 404);
      await harness.app.context.audit.flush();
      const actions = (
        await harness.database.sql.query<{ action: string }>("SELECT action FROM audit_events WHERE action LIKE 'service.%'")
      ).map((row) => row.action);
      assert.ok(
        ['service.create', 'service.update', 'service.delete'].every((action) => actions.includes(action)),
        actions.join(','),
      );
    });

    it('drafts a service from one sentence, then saves it', async () => {
      const draft = await viewer.post('/api/services/draft', {
        text: 'Je répare les fuites et installe des chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement',
      });
      assert.equal(draft.status, 200, draft.text);
      assert.equal(draft.body.category, 'plomberie');
      assert.equal(draft.body.priceMin, 10000);
      assert.equal(draft.body.currency, 'XAF');
      assert.equal(draft.body.city, 'Douala');
      assert.equal(draft.body.place, 'Bonamoussadi');
      const { title, description, category, priceMin, priceMax, currency, latitude, longitude, city } = draft.body;
      const saved = await alice.post('/api/services', {
        title,
        description,
        category,
        priceMin,
        priceMax,
        currency,
        latitude,
        longitude,
        city,
      });
      assert.equal(saved.status, 201, saved.text);
      assert.equal((await alice.delete(`/api/services/${saved.body.id}`)).status, 204);
    });

    it('rejects bad input with a clear 400 and writes nothing', async () => {
      const before = await harness.database.sql.query<{ count: string }>('SELECT count(*) FROM services');
      const bad: Array<[string, Record<string, unknown>]> = [
        ['latitude', { ...plumber, latitude: 200 }],
        ['longitude', { ...plumber, longitude: -181 }],
        ['priceMin', { ...plumber, priceMin: -1 }],
        ['priceMax', { ...plumber, priceMin: 10, priceMax: 5 }],
        ['category', { ...plumber, category: 'astrologie' }],
        ['title', { ...plumber, title: 'x'.repeat(201) }],
        ['description', { ...plumber, description: 'x'.repeat(4001) }],
        ['currency', { ...plumber, currency: 'francs' }],
        ['longitude', { ...plumber, longitude: null }],
        ['unknown', { ...plumber, hacker: true }],
      ];
      for (const [field, body] of bad) {
        const response = await alice.post('/api/services', body);
        assert.equal(response.status, 400, `${field}: ${response.text}`);
        assert.equal(response.body.error.code, 'validation_error');
      }
      const searches: Array<[string, RegExp]> = [
        ['q=plombier&lat=200&lon=9', /lat/],
        ['q=plombier&lat=4&lon=9&radius_km=-1', /radius_km/],
        ['q=plombier&lat=4&lon=9&radius_km=abc', /radius_km/],
        [`q=${'plombier '.repeat(1200)}`, /q/],
        ['q=plombier&lat=4', /lon/],
        ['q=plombier&radius_km=5', /radius_km/],
        ['q=', /q/],
        ['q=plombier&limit=1000', /limit/],
        ['q=plombier&category=astrologie', /category/],
      ];
      for (const [query, pattern] of searches) {
        const response = await viewer.get(`/api/services/search?${query}`);
        assert.equal(response.status, 400, `${query.slice(0, 60)}: ${response.text.slice(0, 200)}`);
        assert.match(response.body.error.message, pattern);
      }
      assert.equal((await viewer.post('/api/services/draft', { text: '' })).status, 400);
      assert.equal((await viewer.post('/api/services/draft', { text: 'x'.repeat(2001) })).status, 400);
      assert.equal((await alice.patch('/api/services/not-a-uuid', { title: 'abc' })).status, 400);
      const after = await harness.database.sql.query<{ count: string }>('SELECT count(*) FROM services');
      assert.equal(after[0]!.count, before[0]!.count);
    });

    it('answers sensible results for geo-only, SQL-looking and unicode queries', async () => {
      const created = await alice.post('/api/services', plumber);
      const far = await alice.post('/api/services', {
        ...plumber,
        title: 'Plombier Yaoundé',
        latitude: 3.848,
        longitude: 11.5021,
        city: 'Yaoundé',
      });
      const geoOnly = await viewer.get('/api/services/search?lat=4.05&lon=9.77&radius_km=15');
      assert.equal(geoOnly.status, 200, geoOnly.text);
      const ids = geoOnly.body.data.map((hit: { service: { id: string } }) => hit.service.id);
      assert.ok(ids.includes(created.body.id));
      assert.ok(!ids.includes(far.body.id), 'Yaoundé is 200 km away');
      const sqlish = await viewer.get(`/api/services/search?q=${encodeURIComponent("plombier' OR 1=1; DROP TABLE services; -- :* & !")}`);
      assert.equal(sqlish.status, 200, sqlish.text);
      assert.ok(sqlish.body.data.length >= 1);
      const unicode = await viewer.get(`/api/services/search?q=${encodeURIComponent('🔧 plombier 水道 ÉLECTRICIEN')}`);
      assert.equal(unicode.status, 200);
      const nothing = await viewer.get('/api/services/search?q=zzzzqqqq');
      assert.equal(nothing.status, 200);
      assert.deepEqual(nothing.body.data, []);
      const categories = await viewer.get('/api/services/categories');
      assert.ok(categories.body.data.length >= 15);
    });

    it('exposes search metrics', async () => {
      const metrics = await fetch(`${harness.url}/metrics`).then((response) => response.text());
      assert.match(metrics, /vigie_service_search_duration_seconds_count\{cache="(?:hit|miss)"\}/);
    });
  });
}
