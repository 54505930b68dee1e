/**
 * Argument validation errors in the reader's language, through the real app: a French user
 * (Accept-Language fr, or the profile locale fr with no header) who posts a bad `net check`
 * to /api/commands (more than 64 ports, a port range too large, a missing field) gets the
 * English `message` as before and each detail's `text` in French, with the issue's code and
 * plain params; an English one gets English; a bad `/net check` typed in a French chat is
 * answered in French; a scripted model's schema-invalid call ("arguments invalides") is a
 * refused execution whose view, card and reply say why in French. Hostile arguments (NUL,
 * lone surrogates, 1 MB, markup in keys) get a clear 400, never markup from the input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agents/agent-wiring.js';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { cardsOfMessage, outcomeText } from '../../src/contracts/execution-card.js';
import { createTranslator } from '../../src/contracts/i18n.js';
import type { ResultView } from '../../src/contracts/result-view.js';
import { createToolsets } from '../support/production-toolsets.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { http } from '../support/http-client.js';
import { opsChatPolicy } from '../support/ops-chat-policy.js';
import { startScriptedOpenAiServer, type ScriptedOpenAiServer } from '../support/scripted-openai-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

type Detail = { path: string; message: string; code?: string; params?: Record<string, unknown>; text?: string };
type ErrorBody = { error: { code: string; message: string; details?: Detail[] } };
type Message = {
  id: string;
  role: string;
  content: string;
  actionsTaken: Array<{ executionId: string; tool: string; status: string }>;
  metadata: unknown;
};

const MARKUP = /<script|<img|<@U|<!channel|&amp;/;

for (const backend of testBackends()) {
  describe(`validation errors in the reader's language on ${backend.name}`, { timeout: 120_000 }, () => {
    let harness: TestApp;
    let server: ScriptedOpenAiServer;
    let running: RunningAgent;
    let french: { id: string; token: string };
    let english: { id: string; token: string };
    let profileFrench: { id: string; token: string };

    const command = (token: string, body: unknown, language?: string) =>
      http<ErrorBody>(harness.url + '/api/commands', {
        method: 'POST',
        token,
        body,
        ...(language ? { headers: { 'accept-language': language } } : {}),
      });

    before(async () => {
      const database = await backend.open();
      server = await startScriptedOpenAiServer(opsChatPolicy());
      const config = loadConfig({ DATA_DIR: `/tmp/vigie-h23b-validation-${process.pid}`, NET_ALLOWED_TARGETS: '198.18.0.0/15' });
      const production = createToolsets({
        config,
        database,
        logger: pino({ level: 'silent' }),
        audit: new AuditLog(database.sql),
        events: new DomainEvents(),
      });
      harness = await startTestApp(database, { tools: { toolsets: production } });
      await harness.app.context.knowledge.ingestBytes({
        bytes: Buffer.from('Restart the VPN concentrator after rotating keys.'),
        contentType: 'text/plain',
        title: 'VPN runbook',
      });
      french = await harness.createUser('operator', `h23b-fr-${backend.name}`);
      english = await harness.createUser('operator', `h23b-en-${backend.name}`);
      profileFrench = await harness.createUser('operator', `h23b-profile-${backend.name}`);
      const set = await http(harness.url + '/api/me', { method: 'PATCH', token: profileFrench.token, body: { locale: 'fr' } });
      assert.equal(set.status, 200);
      running = await startAgent(
        harness.app.core,
        loadConfig({ LLM_BASE_URL: server.baseUrl, LLM_MODEL_NAME: 'scripted', LLM_TEMPERATURE: '0' }),
        pino({ level: 'silent' }),
      );
    });
    after(async () => {
      running?.detach();
      await harness?.close();
      await harness?.database.close();
      await server?.close();
    });

    it('POST /api/commands: a French user reads each problem of a bad net check in French; the English message stays', async () => {
      const tooMany = await command(
        french.token,
        { tool: 'net_check', args: { targets: '198.18.0.1', ports: Array.from({ length: 100 }, (_, index) => index + 1) } },
        'fr-FR,fr;q=0.9',
      );
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.error.code, 'validation_error');
      assert.equal(tooMany.body.error.message, 'Invalid arguments for net_check: ports: Too big: expected array to have <=64 items');
      assert.deepEqual(tooMany.body.error.details, [
        {
          path: 'ports',
          message: 'Too big: expected array to have <=64 items',
          code: 'too_big',
          params: { origin: 'array', maximum: 64, inclusive: true },
          text: 'Trop grand : tableau doit avoir <=64 éléments',
        },
      ]);

      const range = await command(french.token, { text: 'net check 198.18.0.1 ports=1-100' }, 'fr');
      assert.equal(range.status, 400);
      const [rangeDetail] = range.body.error.details!;
      assert.equal(rangeDetail!.params!.key, 'portRangeTooLarge');
      assert.equal(rangeDetail!.text, 'une plage de ports doit être croissante et compter au plus 64 ports');

      const bad = await command(
        french.token,
        { tool: 'net_check', args: { targets: '198.18.0.1', ports: '22,<script>alert(1)</script>' } },
        'fr',
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details![0]!.text, 'ni un port (1 à 65535) ni une plage comme 8000-8010');

      const missing = await command(french.token, { tool: 'net_check', args: { count: 0 } }, 'fr');
      assert.equal(missing.status, 400);
      assert.deepEqual(
        missing.body.error.details!.map((detail) => [detail.path, detail.text]),
        [
          ['targets', 'Entrée invalide : tableau attendu, indéfini reçu'],
          ['count', 'Trop petit : nombre doit être >=1'],
        ],
      );

      // English: the same details, `text` in English (zod's own words).
      const inEnglish = await command(
        english.token,
        { tool: 'net_check', args: { targets: '198.18.0.1', ports: Array.from({ length: 100 }, (_, index) => index + 1) } },
        'en-US',
      );
      assert.equal(inEnglish.body.error.details![0]!.text, 'Too big: expected array to have <=64 items');
    });

    it('the profile locale (fr) speaks when the request names no language; a header wins over it', async () => {
      const answer = await command(profileFrench.token, { tool: 'net_check', args: { targets: '198.18.0.1', ports: '1-100' } });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.details![0]!.text, 'une plage de ports doit être croissante et compter au plus 64 ports');
      const header = await command(profileFrench.token, { tool: 'net_check', args: { targets: '198.18.0.1', ports: '1-100' } }, 'en');
      assert.equal(header.body.error.details![0]!.text, 'a port range must go upwards and hold at most 64 ports');
      const none = await command(english.token, { tool: 'net_check', args: { targets: '198.18.0.1', ports: '1-100' } });
      assert.equal(none.body.error.details![0]!.text, 'a port range must go upwards and hold at most 64 ports');
    });

    it('hostile arguments (NUL, lone surrogate, 1 MB, markup keys): a clear French 400, no markup, the server still answers', async () => {
      const cases: Array<{ args: unknown; expect: RegExp }> = [
        { args: { targets: 'a\u0000b' }, expect: /ne doit pas contenir de caractère NUL/ },
        { args: { targets: '\uD800x' }, expect: /demi-codet UTF-16 isolé/ },
        { args: { targets: 'x'.repeat(1_000_000) }, expect: /les arguments dépassent 16384 octets/ },
        { args: { targets: '198.18.0.1', '<script>alert(1)</script>': 1, '<!channel>': 2, '&amp;': 3 }, expect: /Clés non reconnues/ },
      ];
      for (const { args, expect } of cases) {
        const answer = await command(french.token, { tool: 'net_check', args }, 'fr');
        assert.ok([400, 413].includes(answer.status), `${answer.status}`);
        if (answer.status === 413) continue;
        const texts = answer.body.error.details!.map((detail) => detail.text ?? '').join(' | ');
        assert.match(texts, expect);
        assert.doesNotMatch(texts, MARKUP);
        assert.doesNotMatch(JSON.stringify(answer.body.error.details), MARKUP);
      }
      const healthy = await command(french.token, { text: 'status' }, 'fr');
      assert.equal(healthy.status, 200);
    });

    it('a bad /net check typed in a French chat is answered in French', async () => {
      const created = await http<{ id: string }>(harness.url + '/api/conversations', {
        method: 'POST',
        token: french.token,
        body: { title: 'ports' },
      });
      const posted = await http(harness.url + `/api/conversations/${created.body.id}/messages`, {
        method: 'POST',
        token: french.token,
        body: { content: '/net check 198.18.0.1 ports=1-100' },
        headers: { 'accept-language': 'fr' },
      });
      assert.ok([200, 201].includes(posted.status), JSON.stringify(posted.body));
      const reply = await waitFor(async () => {
        const page = await http<{ data: Message[] }>(harness.url + `/api/conversations/${created.body.id}/messages?limit=10`, {
          token: french.token,
        });
        return page.body.data.find((message) => message.role === 'assistant');
      }, 30_000);
      assert.match(
        reply.content,
        /^Désolé, cela n'a pas marché : Arguments invalides : ports : une plage de ports doit être croissante et compter au plus 64 ports \(trace /,
      );
    });

    it("a scripted model's schema-invalid call is refused, and a French user reads why in French (view, card, reply)", async () => {
      const created = await http<{ id: string }>(harness.url + '/api/conversations', {
        method: 'POST',
        token: profileFrench.token,
        body: { title: 'refus' },
      });
      const posted = await http(harness.url + `/api/conversations/${created.body.id}/messages`, {
        method: 'POST',
        token: profileFrench.token,
        body: { content: 'envoie des arguments invalides' },
      });
      assert.ok([200, 201].includes(posted.status));
      const reply = await waitFor(async () => {
        const page = await http<{ data: Message[] }>(harness.url + `/api/conversations/${created.body.id}/messages?limit=10`, {
          token: profileFrench.token,
        });
        return page.body.data.find((message) => message.role === 'assistant');
      }, 30_000);
      const refusedAction = reply.actionsTaken.find((action) => action.status === 'refused');
      assert.ok(refusedAction, JSON.stringify(reply.actionsTaken));
      assert.match(
        reply.content,
        /knowledge_search refusé : Arguments invalides : query : Entrée invalide : chaîne de caractères attendu, nombre reçu; \(arguments\) : Clé non reconnue : "extra"/,
      );

      const execution = await http<{
        status: string;
        locale: string;
        result: { error: { code: string; message: string; details: Detail[] }; view: ResultView };
      }>(harness.url + `/api/executions/${refusedAction.executionId}`, { token: profileFrench.token });
      assert.equal(execution.body.status, 'refused');
      assert.equal(execution.body.locale, 'fr');
      const { error, view } = execution.body.result;
      assert.equal(error.code, 'validation_error');
      assert.match(
        error.message,
        /^Invalid arguments for knowledge_search: query: Invalid input: expected string, received number/,
        'English message kept',
      );
      assert.deepEqual(
        error.details.map((detail) => [detail.path, detail.code]),
        [
          ['query', 'invalid_type'],
          ['(arguments)', 'unrecognized_keys'],
        ],
      );
      assert.equal(view.tone, 'critical');
      assert.match(view.headline, /^Arguments invalides pour knowledge_search : query : Entrée invalide/);
      const table = view.blocks.find((block) => block.type === 'table') as
        { columns: Array<{ label: string }>; rows: Array<Record<string, unknown>> } | undefined;
      assert.deepEqual(
        table?.columns.map((column) => column.label),
        ['Champ', 'Problème'],
      );
      assert.deepEqual(table?.rows[0], { field: 'query', problem: 'Entrée invalide : chaîne de caractères attendu, nombre reçu' });

      // The card stored with the reply: read back (as after a reload), its outcome line in each reader's language.
      const [card] = cardsOfMessage(reply.metadata).filter((candidate) => candidate.status === 'refused');
      assert.ok(card?.details?.length, JSON.stringify(reply.metadata));
      assert.match(outcomeText({ ...card, view: null }, createTranslator('fr')), /^knowledge_search : refusé : query : Entrée invalide/);
      assert.match(
        outcomeText({ ...card, view: null }, createTranslator('en')),
        /^knowledge_search refused: query: Invalid input: expected string, received number/,
      );
    });
  });
}
