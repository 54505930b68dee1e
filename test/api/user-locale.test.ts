/**
 * The user's language on their profile: `PATCH /api/me {"locale": "fr"}` (and `vigie users
 * set-locale`) stores it; a message posted without Accept-Language is then answered in it,
 * while a channel's own locale still wins. Hostile values are refused with 400
 * validation_error and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { parseProfileLocale, registerAdminCommands, type AdminIo } from '../../src/cli/admin-commands.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

for (const backend of testBackends()) {
  describe(`profile locale on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: TestApp;
    let detach: () => void;

    before(async () => {
      const database = await backend.open();
      harness = await startTestApp(database, { tools: { toolsets: [coreToolset(database)] } });
      const agent = new AgentService({
        prisma: database.prisma,
        tools: harness.app.tools,
        logger: pino({ level: 'silent' }),
        events: harness.app.context.events,
      });
      detach = agent.attach(harness.app.context.events);
    });
    after(async () => {
      detach?.();
      await harness?.close();
      await harness?.database.close();
    });

    it('sets, shows and clears the caller’s locale; answers in it when the request gives none', async () => {
      const user = await harness.createUser('viewer', `locale-${backend.name}`);
      const api = apiClient(`${harness.url}/api`, user.token);
      assert.equal((await api.get('/me')).body.locale, null);
      const set = await api.patch('/me', { locale: 'fr' });
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.locale, 'fr');
      assert.equal(set.body.userId, user.id);
      assert.equal((await api.get('/me')).body.locale, 'fr');

      const conversation = await api.post('/conversations', { title: 'profil' });
      const id = conversation.body.id as string;
      await api.post(`/conversations/${id}/messages`, { content: 'help' });
      const french = await waitFor(
        () => harness.database.prisma.message.findFirst({ where: { conversationId: id, role: 'assistant' } }),
        20_000,
      );
      assert.match(french.content, /^Commandes \(tapez « aide <commande> »/);
      // The request's own locale wins over the profile's.
      await api.post(`/conversations/${id}/messages`, { content: 'help' }, { headers: { 'accept-language': 'en-US' } });
      const english = await waitFor(async () => {
        const replies = await harness.database.prisma.message.findMany({
          where: { conversationId: id, role: 'assistant' },
          orderBy: { seq: 'asc' },
        });
        return replies[1];
      }, 20_000);
      assert.match(english.content, /^Commands \(type "help <command>"/);

      const cleared = await api.patch('/me', { locale: null });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.locale, null);
      const actions = await harness.database.prisma.$queryRawUnsafe<Array<{ action: string }>>(
        `SELECT action FROM audit_events WHERE action = 'user.locale_set'`,
      );
      assert.ok(actions.length >= 2);
      // An admin sees it on the user too.
      assert.equal((await apiClient(`${harness.url}/api`, harness.adminToken).get(`/users/${user.id}`)).body.locale, null);
    });

    it('refuses hostile values with 400 validation_error and keeps the stored locale', async () => {
      const user = await harness.createUser('viewer', `hostile-${backend.name}`);
      const api = apiClient(`${harness.url}/api`, user.token);
      assert.equal((await api.patch('/me', { locale: 'en' })).status, 200);
      const hostile: unknown[] = ['de', 'fr\u0000', 'fr-FR', 'FR', '', ' fr', '\ud800', 'x'.repeat(100_000), 42, true, ['fr'], { fr: 1 }];
      for (const locale of hostile) {
        const answer = await api.patch('/me', { locale });
        assert.equal(answer.status, 400, JSON.stringify(locale).slice(0, 40));
        assert.equal(answer.body.error.code, 'validation_error');
      }
      for (const body of [{}, { locale: 'fr', role: 'admin' }, { locale: 'fr', userId: harness.adminToken }]) {
        const answer = await api.patch('/me', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
      const raw = await api.patch('/me', undefined, { raw: '{"locale":"fr\\u0000"}', headers: { 'content-type': 'application/json' } });
      assert.equal(raw.status, 400);
      assert.equal((await api.get('/me')).body.locale, 'en');
      assert.equal((await apiClient(`${harness.url}/api`).patch('/me', { locale: 'fr' })).status, 401);
    });

    it('`vigie users set-locale` sets and clears it; refuses anything but en, fr and none', async () => {
      const user = await harness.createUser('viewer', `cli-${backend.name}`);
      const lines: string[] = [];
      const io: AdminIo = {
        console: {
          ...console,
          log: (line: unknown) => lines.push(String(line)),
          error: () => undefined,
          table: () => undefined,
        } as Console,
        withDatabase: (work) => work(harness.database, new AuditLog(harness.database.sql)),
        announce: async () => undefined,
      };
      const run = async (...args: string[]) => {
        const program = new Command('vigie').exitOverride();
        registerAdminCommands(program, io);
        await program.parseAsync(['node', 'vigie', ...args]);
      };
      await run('users', 'set-locale', user.id, 'fr');
      assert.equal((await harness.database.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).locale, 'fr');
      await run('users', 'set-locale', user.id, 'none');
      assert.equal((await harness.database.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).locale, null);
      assert.match(lines.join('\n'), /: fr\n.*: none/);
      for (const junk of ['de', 'FR', '', 'fr\u0000', 'x'.repeat(10_000), '\ud800'])
        assert.throws(() => parseProfileLocale(junk), /locale must be one of en, fr/);
      await assert.rejects(run('users', 'set-locale', user.id, 'es'), /locale must be one of/);
    });
  });
}
