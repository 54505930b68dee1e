/**
 * The services toolset through the command router, on every backend: the router accepts
 * `services search "plombier" near Douala radius=5`, the tool answers cards with distance
 * and reasons, `service_create` lists a service from a sentence, and bad arguments come
 * back as tool errors (data), never exceptions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandRouter } from '../../src/tools/pipeline/command-router.js';
import type { Database } from '../../src/db/database.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import type { ToolContext } from '../../src/tools/tool-contract.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { ServiceEngine } from '../../src/tools/services/service-engine.js';
import { servicesToolset } from '../../src/tools/services/services-toolset.js';
import { testBackends } from '../support/test-databases.js';

const context = (): ToolContext => ({
  principal: { userId: '', userName: 'test', role: 'admin', tokenId: null } as unknown as ToolContext['principal'],
  channel: 'console',
  conversationId: null,
  signal: new AbortController().signal,
  traceId: 'trace',
  executionId: 'execution',
});

for (const backend of testBackends()) {
  describe(`services toolset on ${backend.name}`, () => {
    let database: Database;
    let router: CommandRouter;
    let registry: ToolRegistry;

    before(async () => {
      database = await backend.open();
      const engine = new ServiceEngine({ sql: database.sql, embedder: createLexicalEmbedder() });
      registry = new ToolRegistry([servicesToolset({ database }, engine)]);
      router = new CommandRouter(registry);
    });
    after(async () => {
      await database.close();
    });

    async function run(line: string) {
      const routed = router.route(line);
      assert.equal(routed.kind, 'call', line);
      if (routed.kind !== 'call') throw new Error('not a call');
      const tool = registry.get(routed.tool)!.tool;
      const parsed = tool.inputSchema.safeParse(routed.args);
      if (!parsed.success) return { status: 'error' as const, error: { code: 'validation_error', message: parsed.error.message } };
      return tool.execute(parsed.data, context());
    }

    it('creates from a sentence and finds it with the router syntax', async () => {
      const created = await run(
        'services create "Je répare les fuites et installe des chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement"',
      );
      assert.equal(created.status, 'success', JSON.stringify(created));
      const service = (created.data as { service: { category: string; city: string; priceMin: number; currency: string } }).service;
      assert.deepEqual([service.category, service.city, service.priceMin, service.currency], ['plomberie', 'Douala', 10000, 'XAF']);
      await run('services create "Électricien bâtiment à Yaoundé, 8 000 F le déplacement"');

      // Bonamoussadi is 5.4 km from the centre of Douala: radius=5 excludes it, radius=10 finds it.
      assert.equal((await run('services search "plombier" near Douala radius=5')).status, 'no_data');
      const found = await run('services search "plombier" near Douala radius=10');
      assert.equal(found.status, 'success', JSON.stringify(found));
      const data = found.data as { cards: Array<{ title: string; subtitle: string; footer: string }>; understood: { radiusKm: number } };
      assert.equal(data.understood.radiusKm, 10);
      assert.equal(data.cards.length, 1);
      assert.match(data.cards[0]!.subtitle, /Plomberie · Douala · \d+\.\d km/);
      assert.match(data.cards[0]!.footer, /plombier/);

      const keyed = await run('services search electricien near=Yaoundé');
      assert.equal(keyed.status, 'success');
      const none = await run('services search "plombier" near Yaoundé radius=5');
      assert.equal(none.status, 'no_data');
    });

    it('returns errors as data', async () => {
      const unknownPlace = await run('services search plombier near=Atlantis');
      assert.equal(unknownPlace.status, 'error');
      const noCategory = await run('services create "Bonjour tout le monde, 5 000 FCFA"');
      assert.equal(noCategory.status, 'error');
      assert.match(noCategory.error!.message, /category/);
      const badRadius = await run('services search plombier radius=-1');
      assert.equal(badRadius.status, 'error');
    });
  });
}
