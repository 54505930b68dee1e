/**
 * The requester's language travels with the execution, through the real app: a command
 * posted with `Accept-Language: fr-FR` is stored with `locale: fr` and its result view is
 * written in French (headline and labels; data unchanged), the same command in English (or
 * with a junk header) in English; an execution approved later keeps the stored locale for
 * its result view and its outcome message; a chat message in French gets a French line; a
 * French `net check` of a closed port on 127.0.0.1 reads its findings in French (the data keeps
 * the finding's code, raw params and English sentences).
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { loadConfig } from '../../src/config.js';
import type { ResultView } from '../../src/contracts/result-view.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { testOpsToolset, waitFor } from '../agents/support/test-toolsets.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`result views in the requester's language on ${backend.name}`, { timeout: 90_000 }, () => {
    let harness: TestApp;
    let detach: () => void;
    let closedPort: number;
    const call = async (method: string, path: string, body?: unknown, language?: string) => {
      const response = await fetch(`${harness.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${harness.adminToken}`,
          'content-type': 'application/json',
          ...(language !== undefined ? { 'accept-language': language } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const viewOf = (execution: Json) => (execution.result as { view: ResultView }).view;
    const labels = (view: ResultView) =>
      view.blocks.flatMap((block) => (block.type === 'fields' ? block.fields.map((field) => field.label) : []));

    before(async () => {
      const database = await backend.open();
      const network = networkToolset({
        config: loadConfig({ NET_ALLOWED_TARGETS: '127.0.0.1/32' }),
        database,
        logger: pino({ level: 'silent' }),
      });
      harness = await startTestApp(database, {
        tools: { toolsets: [coreToolset(database), testOpsToolset({ restarts: [], wipes: [], slowStarted: 0 }), network] },
      });
      // A port nothing listens on: bound, then closed.
      const spare = net.createServer();
      await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
      closedPort = (spare.address() as AddressInfo).port;
      await new Promise((resolve) => spare.close(resolve));
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

    it('writes the result view of POST /api/commands in the Accept-Language of the request', async () => {
      const french = await call('POST', '/api/commands', { text: 'status' }, 'fr-FR');
      assert.equal(french.status, 200);
      assert.equal(french.body.locale, 'fr');
      const view = viewOf(french.body);
      assert.match(view.headline, /^Vigie \S+ fonctionne \(\d+ h \d+ min\)/);
      assert.equal(view.locale, 'fr');
      assert.ok(labels(view).includes('Base de données') && labels(view).includes('Mémoire'), labels(view).join());
      assert.doesNotMatch(JSON.stringify(view), /is up|Database|Memory|toolset\(s\)/);
      // Stored as written: reading the execution back gives the same French view.
      const stored = await call('GET', `/api/executions/${String(french.body.id)}`);
      assert.equal(stored.body.locale, 'fr');
      assert.deepEqual(viewOf(stored.body), view);

      const english = await call('POST', '/api/commands', { text: 'status' }, 'en-US,en;q=0.9');
      assert.equal(english.body.locale, 'en');
      assert.match(viewOf(english.body).headline, /^Vigie \S+ is up \(\d+ h \d+ min\)/);
      assert.ok(labels(viewOf(english.body)).includes('Database'));
      for (const junk of [undefined, '', 'de-DE', 'fr;q=0', '*', 'x'.repeat(3_000)]) {
        const answer = await call('POST', '/api/commands', { tool: 'system_status', args: {} }, junk);
        assert.equal(answer.status, 200, String(junk).slice(0, 20));
        assert.equal(answer.body.locale ?? null, null, String(junk).slice(0, 20));
        assert.match(viewOf(answer.body).headline, /is up/, String(junk).slice(0, 20));
      }
    });

    it('keeps the stored locale for an execution approved later: preview, result view and outcome message', async () => {
      const conversation = await call('POST', '/api/conversations', { title: 'approbation en français' });
      const conversationId = String(conversation.body.id);
      const proposed = await call(
        'POST',
        '/api/commands',
        { tool: 'restart_service', args: { service: 'nginx<b>' }, conversationId },
        'fr',
      );
      assert.equal(proposed.status, 202);
      assert.equal(proposed.body.locale, 'fr');
      const preview = proposed.body.preview as ResultView;
      assert.equal(preview.headline, "restart_service s'exécutera avec ces arguments");
      assert.deepEqual(preview.blocks[0], { type: 'fields', fields: [{ label: 'service', value: 'nginx<b>' }] });
      // Approved in English: the view is still written in the requester's language.
      const approved = await call('POST', `/api/executions/${String(proposed.body.id)}/approve`, {}, 'en');
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const done = await waitFor(async () => {
        const read = await call('GET', `/api/executions/${String(proposed.body.id)}`);
        return read.body.status === 'succeeded' ? read.body : undefined;
      }, 20_000);
      assert.equal(viewOf(done).headline, 'restart_service a réussi');
      const outcome = await waitFor(
        () =>
          harness.database.prisma.message.findFirst({ where: { conversationId, clientMessageId: `outcome:${String(proposed.body.id)}` } }),
        20_000,
      );
      assert.match(outcome.content, /^Approuvé par .+\. restart_service : restart_service a réussi$/);
    });

    it('writes the findings of a French net check in French, the data staying codes and English', async () => {
      const findingsOf = (view: ResultView) =>
        view.blocks.flatMap((block) =>
          block.type === 'table' && block.columns.some((column) => column.key === 'evidence') ? block.rows : [],
        );
      const french = await call('POST', '/api/commands', { text: `net check 127.0.0.1 ports=${closedPort} count=2` }, 'fr-FR');
      assert.equal(french.status, 200, JSON.stringify(french.body).slice(0, 500));
      const view = viewOf(french.body);
      assert.equal(view.locale, 'fr');
      assert.match(
        view.headline,
        new RegExp(
          `^1 alerte sur 1 cible\\. Le plus grave : Port ${closedPort} fermé sur 127\\.0\\.0\\.1 — connexion refusée \\(RST\\) après \\d+(,\\d)? ms`,
        ),
      );
      const [closed] = findingsOf(view);
      assert.equal(closed!.severity, 'alerte');
      assert.equal(closed!.title, `Port ${closedPort} fermé sur 127.0.0.1`);
      assert.match(
        String(closed!.evidence),
        /^connexion refusée \(RST\) après \d+(,\d)? ms : l'hôte répond mais rien n'écoute sur ce port$/,
      );
      assert.equal(closed!.recommendation, 'Vérifiez que le service tourne et écoute sur cette adresse.');
      assert.doesNotMatch(JSON.stringify(view), /closed on|connection refused|Check that/);
      // What machines read (REST, MCP, the model) keeps the code, the raw params and the English.
      const stored = await call('GET', `/api/executions/${String(french.body.id)}`);
      const data = (stored.body.result as { data: { findings: Array<Record<string, unknown>>; summary: string } }).data;
      const finding = data.findings.find((entry) => entry.code === 'tcp.closed')!;
      assert.deepEqual(
        { ...(finding.params as object), connectMs: 0 },
        { target: '127.0.0.1', address: '127.0.0.1', port: closedPort, connectMs: 0 },
      );
      assert.equal(typeof (finding.params as { connectMs: unknown }).connectMs, 'number');
      assert.equal(finding.title, `Port ${closedPort} closed on 127.0.0.1`);
      assert.match(data.summary, /1 warning finding/);
      assert.deepEqual(viewOf(stored.body), view);

      const english = await call('POST', '/api/commands', { text: `net check 127.0.0.1 ports=${closedPort} count=2` }, 'en');
      assert.match(
        viewOf(english.body).headline,
        new RegExp(`^1 warning on 1 target\\. Worst: Port ${closedPort} closed on 127\\.0\\.0\\.1 — connection refused`),
      );
      assert.equal(findingsOf(viewOf(english.body))[0]!.title, `Port ${closedPort} closed on 127.0.0.1`);
      // A refusal (nothing ran) says why in French; the error keeps its English message.
      const outside = await call('POST', '/api/commands', { text: 'net check 127.0.0.2' }, 'fr-FR');
      assert.equal(outside.status, 200, JSON.stringify(outside.body).slice(0, 500));
      assert.equal(viewOf(outside.body).headline, 'net_check a échoué : La cible 127.0.0.2 est hors de NET_ALLOWED_TARGETS');
      // The JSON clients read: code and English message as before, the reason and its raw params beside them.
      assert.deepEqual((outside.body.result as { error: unknown }).error, {
        code: 'forbidden',
        message: 'Target 127.0.0.2 is outside NET_ALLOWED_TARGETS',
        reason: 'network.target.outside',
        params: { target: '127.0.0.2', more: 0 },
      });
      assert.equal((outside.body.result as { data?: unknown }).data, undefined);
      // Hostile targets are refused before anything runs, markup kept as text, and nothing crashes.
      for (const target of ['<b>x</b>.lab', 'a\u0000b', 'x\ud800y']) {
        const refused = await call(
          'POST',
          '/api/commands',
          { tool: 'net_check', args: { targets: [target], ports: [closedPort] } },
          'fr-FR',
        );
        assert.ok(refused.status < 500, `${JSON.stringify(target)}: ${refused.status}`);
        if (refused.status === 200)
          assert.match(viewOf(refused.body).headline, /^net_check a échoué : La cible « .* » n'est ni une adresse IPv4/);
      }
    });

    it('answers a chat command in French with a French line and a French view', async () => {
      const conversation = await call('POST', '/api/conversations', { title: 'statut' });
      const id = String(conversation.body.id);
      const posted = await call('POST', `/api/conversations/${id}/messages`, { content: 'statut' }, 'fr-FR');
      assert.equal(posted.status, 201);
      const reply = await waitFor(
        () => harness.database.prisma.message.findFirst({ where: { conversationId: id, role: 'assistant' } }),
        20_000,
      );
      assert.match(reply.content, /^system_status : Vigie \S+ fonctionne/);
      const execution = await harness.database.prisma.execution.findFirstOrThrow({ where: { conversationId: id } });
      assert.equal(execution.locale, 'fr');
      assert.equal((execution.result as { view: ResultView }).view.locale, 'fr');
    });
  });
}
