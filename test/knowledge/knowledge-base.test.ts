/**
 * The knowledge base on every backend, with the built-in lexical embedder: parsing of each
 * format, idempotent and atomic re-ingest, cascades, filters, exact citation offsets, the
 * audit search, and the retrieval evaluation (hybrid at least as good as either leg).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Database } from '../../src/db/database.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { evaluateRetrieval, readEvalFile } from '../../src/knowledge/retrieval-eval.js';
import { chunkText } from '../../src/knowledge/structure-chunker.js';
import { testBackends } from '../support/test-databases.js';

const RUNBOOKS = path.resolve(import.meta.dirname, '..', 'fixtures', 'runbooks');
const EVAL_FILE = path.resolve(import.meta.dirname, '..', 'fixtures', 'kb-eval.jsonl');

/** A minimal valid one-page PDF with the given text. */
function tinyPdf(text: string): Uint8Array {
  const stream = `BT /F1 18 Tf 72 700 Td (${text}) Tj ET`;
  const objects = [
    '<</Type/Catalog/Pages 2 0 R>>',
    '<</Type/Pages/Kids[3 0 R]/Count 1>>',
    '<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>',
    `<</Length ${stream.length}>>stream\n${stream}\nendstream`,
    '<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj${object}endobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer<</Size ${objects.length + 1}/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF`;
  return new TextEncoder().encode(body);
}

describe('structure-aware chunking', () => {
  it('keeps heading paths, code blocks and exact offsets within the budget', () => {
    const text =
      '# Guide\n\nIntro paragraph.\n\n## Setup\n\n' +
      'Step words here. '.repeat(80) +
      '\n\n```\ncode line 1\n\ncode line 2\n```\n\n## Other\n\nLast part.';
    const chunks = chunkText(text, { maxTokens: 64, overlapTokens: 8 });
    assert.ok(chunks.length >= 4);
    for (const chunk of chunks) {
      assert.equal(text.slice(chunk.startOffset, chunk.endOffset), chunk.content);
      assert.ok(chunk.content.length <= 64 * 4 + 40, `chunk of ${chunk.content.length} chars`);
    }
    assert.deepEqual(chunks[0]!.headingPath, ['Guide']);
    assert.ok(chunks.some((chunk) => chunk.headingPath.join('/') === 'Guide/Setup'));
    const code = chunks.find((chunk) => chunk.content.includes('code line 1'))!;
    assert.ok(code.content.includes('code line 2'), 'a fenced block is not split at its blank line');
    assert.deepEqual(chunks[chunks.length - 1]!.headingPath, ['Guide', 'Other']);
    assert.deepEqual(chunkText(''), []);
  });
});

for (const backend of testBackends()) {
  describe(`knowledge base on ${backend.name}`, () => {
    let database: Database;
    let knowledge: KnowledgeBase;

    before(async () => {
      database = await backend.open();
      knowledge = new KnowledgeBase(database, createLexicalEmbedder(), { maxDocumentBytes: 2 * 1024 * 1024 });
      for (const file of (await readdir(RUNBOOKS)).sort()) {
        const result = await knowledge.ingestFile(path.join(RUNBOOKS, file), { tags: ['runbook'] });
        assert.equal(result.outcome, 'created');
      }
    });
    after(async () => {
      await database.close();
    });

    it('cites passages whose offsets point at the stored text', async () => {
      const passages = await knowledge.search({ q: 'how do we fail over the core router?', k: 5 });
      assert.equal(passages[0]!.title, 'Core router failover');
      for (const passage of passages) {
        const rows = await database.sql.query<{ content: string }>('SELECT content FROM documents WHERE id = $1', [passage.documentId]);
        assert.equal(rows[0]!.content.slice(passage.startOffset, passage.endOffset), passage.content);
        assert.ok(passage.score > 0);
      }
      // Nearest neighbours always exist: an unrelated query must still come back empty.
      assert.deepEqual(await knowledge.search({ q: 'zebra banana quantum', k: 3 }), []);
      assert.ok((await knowledge.search({ q: 'zebra banana quantum', k: 3, mode: 'vector' })).length > 0);
      const french = await knowledge.search({ q: 'groupe electrogene', k: 3 });
      assert.equal(french[0]!.title, 'Coupure électrique sur site');
    });

    it('re-ingests unchanged files as no-ops and replaces changed ones atomically', async () => {
      const file = path.join(RUNBOOKS, 'disk-full.md');
      const again = await knowledge.ingestFile(file, { tags: ['runbook'] });
      assert.equal(again.outcome, 'unchanged');
      const original = await readFile(file);
      const changed = await knowledge.ingestBytes({
        bytes: Buffer.concat([original, Buffer.from('\n## Inodes\nAlso check inode usage with df -i.\n')]),
        fileName: file,
        sourceUrl: path.resolve(file),
        tags: ['runbook'],
      });
      assert.equal(changed.outcome, 'updated');
      assert.equal(changed.version, 2);
      const hits = await knowledge.search({ q: 'inode usage df -i', k: 3 });
      assert.equal(hits[0]!.documentId, changed.documentId);
      const versions = await database.sql.query('SELECT version FROM document_versions WHERE document_id = $1', [changed.documentId]);
      assert.equal(versions.length, 1);
      const ordinals = await database.sql.query<{ ordinal: number }>(
        'SELECT ordinal FROM document_chunks WHERE document_id = $1 ORDER BY ordinal',
        [changed.documentId],
      );
      assert.deepEqual(
        ordinals.map((row) => row.ordinal),
        ordinals.map((_, index) => index),
      );
    });

    it('parses HTML, JSON, PDF and source files; rejects empty, binary, corrupt and oversized input with nothing written', async () => {
      const html = await knowledge.ingestBytes({
        bytes: Buffer.from(
          '<html><head><title>Proxy runbook</title><style>x{}</style></head><body><h1>Proxy</h1><p>Restart the squid proxy when caches fill.</p><script>alert(1)</script></body></html>',
        ),
        contentType: 'text/html',
      });
      assert.equal(html.title, 'Proxy runbook');
      const json = await knowledge.ingestBytes({
        bytes: Buffer.from('{"service":"ntp","servers":["ntp1","ntp2"]}'),
        contentType: 'application/json',
        title: 'NTP config',
      });
      const pdf = await knowledge.ingestBytes({
        bytes: tinyPdf('Generator fuel check every four hours'),
        contentType: 'application/pdf',
        title: 'Fuel PDF',
      });
      const source = await knowledge.ingestBytes({
        bytes: Buffer.from('export const timeout = 30; // seconds for the squid health probe\n'),
        fileName: 'probe.ts',
      });
      for (const result of [html, json, pdf, source]) assert.equal(result.outcome, 'created');
      assert.equal((await knowledge.search({ q: 'squid proxy caches', k: 1 }))[0]!.documentId, html.documentId);
      assert.equal((await knowledge.search({ q: 'generator fuel', k: 1 }))[0]!.documentId, pdf.documentId);
      const stored = await database.sql.query<{ content: string }>('SELECT content FROM documents WHERE id = $1', [html.documentId]);
      assert.ok(!stored[0]!.content.includes('alert(1)'));

      const before = await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM documents');
      const chunksBefore = await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM document_chunks');
      await assert.rejects(knowledge.ingestBytes({ bytes: new Uint8Array(0), contentType: 'text/plain' }), /empty/);
      await assert.rejects(knowledge.ingestBytes({ bytes: Uint8Array.from([0, 1, 2, 3, 255, 0, 7]), contentType: 'text/plain' }), /binary/);
      await assert.rejects(
        knowledge.ingestBytes({ bytes: Buffer.from('%PDF-1.4 this is not really a pdf'), contentType: 'application/pdf' }),
        /PDF/,
      );
      await assert.rejects(knowledge.ingestBytes({ bytes: Buffer.from('{broken'), contentType: 'application/json' }), /Invalid JSON/);
      await assert.rejects(
        knowledge.ingestBytes({ bytes: new Uint8Array(3 * 1024 * 1024).fill(65), contentType: 'text/plain' }),
        /exceeds/,
      );
      const after = await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM documents');
      const chunksAfter = await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM document_chunks');
      assert.equal(after[0]!.count, before[0]!.count);
      assert.equal(chunksAfter[0]!.count, chunksBefore[0]!.count);
    });

    it('filters by tag and by document, and cascades deletes', async () => {
      const tagged = await knowledge.search({ q: 'router', k: 10, tags: ['runbook'] });
      assert.ok(tagged.length > 0);
      assert.equal((await knowledge.search({ q: 'router', k: 10, tags: ['nope'] })).length, 0);
      const documentId = tagged[0]!.documentId;
      const scoped = await knowledge.search({ q: 'router priority', k: 10, documentId });
      assert.ok(scoped.every((passage) => passage.documentId === documentId));
      const temporary = await knowledge.ingestBytes({
        bytes: Buffer.from('# Temp\nA temporary zebra note.'),
        contentType: 'text/markdown',
      });
      await database.sql.query('DELETE FROM documents WHERE id = $1', [temporary.documentId]);
      const orphans = await database.sql.query('SELECT 1 FROM document_chunks WHERE document_id = $1', [temporary.documentId]);
      assert.equal(orphans.length, 0);
      assert.equal((await knowledge.search({ q: 'zebra', k: 5, mode: 'lexical' })).length, 0);
    });

    it('finds audit events by meaning ("who changed eth0 QoS")', async () => {
      const audit = new AuditLog(database.sql);
      audit.onAppend((record) => knowledge.auditIndex.enqueue(record));
      await audit.append({
        action: 'execution.succeeded',
        actorName: 'alice',
        tool: 'qos_apply',
        arguments: { interface: 'eth0', intent: 'limit backups to 20 Mbit' },
      });
      await audit.append({ action: 'execution.succeeded', actorName: 'bob', tool: 'net_check', arguments: { target: '10.0.0.1' } });
      const hits = await knowledge.auditIndex.search({ q: 'who changed eth0 qos', k: 2 });
      assert.match(hits[0]!.text, /alice/);
      const none = await knowledge.auditIndex.search({ q: 'eth0 qos', k: 2, since: new Date(Date.now() + 86_400_000) });
      assert.equal(none.length, 0);
    });

    it('hybrid retrieval is at least as good as either leg on the runbook eval set', async () => {
      const queries = await readEvalFile(EVAL_FILE);
      assert.ok(queries.length >= 40);
      const metrics = await evaluateRetrieval(knowledge, queries);
      assert.ok(metrics.hybrid.recallAt10 >= Math.max(metrics.lexical.recallAt10, metrics.vector.recallAt10), JSON.stringify(metrics));
      assert.ok(metrics.hybrid.recallAt10 >= 0.9, JSON.stringify(metrics));
    });
  });
}
