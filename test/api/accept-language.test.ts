/**
 * REST clients get answers in the language of their `Accept-Language` header: help and
 * refusals from /api/commands, and the agent's answer to a message posted to a conversation
 * (the locale is stored with the message). Junk headers fall back to English.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

for (const backend of testBackends()) {
  describe(`Accept-Language on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: TestApp;
    let detach: () => void;
    const call = async (path: string, body: unknown, language?: string) => {
      const response = await fetch(`${harness.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${harness.adminToken}`,
          'content-type': 'application/json',
          ...(language !== undefined ? { 'accept-language': language } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

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

    it('answers help and refusals of /api/commands in the requested language', async () => {
      const french = await call('/api/commands', { text: 'aide' }, 'fr-CA,fr;q=0.9,en;q=0.5');
      assert.equal(french.status, 200);
      assert.match(String(french.body.help), /^Commandes \(tapez « aide <commande> »/);
      assert.match(String(french.body.help), /^ {2}status /m, 'commands are named as in the README');
      const english = await call('/api/commands', { text: 'help' }, 'en-US');
      assert.match(String(english.body.help), /^Commands \(type "help <command>"/);
      const refused = await call('/api/commands', { text: 'bonjour <b>vigie</b>' }, 'fr');
      assert.equal(refused.status, 400);
      assert.match(JSON.stringify(refused.body), /« bonjour <b>vigie<\/b> » n'est pas une commande/);
      for (const junk of ['', '*', 'xx;q=abc, , ;;', 'fr;q=0', 'fr;q=2', `${'x'.repeat(3_000)}`, 'de-DE', '%E0%A4%A']) {
        const answer = await call('/api/commands', { text: 'help' }, junk);
        assert.equal(answer.status, 200, junk.slice(0, 20));
        assert.match(String(answer.body.help), /^Commands/, junk.slice(0, 20));
      }
    });

    it('answers a message posted with Accept-Language: fr in French, and stores the locale with it', async () => {
      const conversation = await call('/api/conversations', { title: 'REST en français' });
      assert.equal(conversation.status, 201);
      const id = String(conversation.body.id);
      const posted = await call(`/api/conversations/${id}/messages`, { content: 'aide' }, 'fr-FR');
      assert.equal(posted.status, 201);
      assert.equal((posted.body.metadata as { locale?: string }).locale, 'fr');
      const reply = await waitFor(
        () => harness.database.prisma.message.findFirst({ where: { conversationId: id, role: 'assistant' } }),
        20_000,
      );
      assert.match(reply.content, /^Commandes \(tapez « aide <commande> »/);
      const english = await call(`/api/conversations/${id}/messages`, { content: 'help' }, 'xx;q=abc');
      assert.equal((english.body.metadata as { locale?: string }).locale, undefined);
    });
  });
}
