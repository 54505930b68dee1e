/**
 * `vigie kb …`: ingest runbooks from disk with a progress bar and a summary, search, and
 * evaluate retrieval quality. Uses the same configuration (database, embedder) as the server.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from '../db/database.js';
import { ValidationError } from '../errors.js';
import { createEmbeddingService } from '../inference/embedding-service.js';
import type { KnowledgeBase } from './knowledge-base.js';
import { withCliCore } from '../cli/cli-core.js';
import { formatCitedPassages } from './citations.js';
import { expandPaths } from './path-expansion.js';
import { evaluateRetrieval, readEvalFile } from './retrieval-eval.js';

async function withKnowledge<T>(work: (knowledge: KnowledgeBase) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  const embeddings = await createEmbeddingService({ config });
  try {
    return await withCliCore({ config, database, embedder: embeddings.embedder }, (core) => work(core.knowledge));
  } finally {
    await embeddings.dispose();
    await database.close();
  }
}

function parseTags(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const tags = value
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  if (tags.some((tag) => !/^[\p{L}\p{N}_.:/-]{1,64}$/u.test(tag)))
    throw new ValidationError('--tags: letters, digits and _ . : / - only, comma-separated');
  return tags;
}

/** Registers `vigie kb ingest|search|eval`. */
export function registerKnowledgeCommands(program: Command): void {
  const kb = program.command('kb').description('knowledge base: ingest, search and evaluate');

  kb.command('ingest <paths...>')
    .description('ingest files, directories or globs (text, Markdown, HTML, JSON, PDF, source and config files)')
    .option('-t, --tags <tags>', 'comma-separated tags for every document')
    .option('--json', 'print the summary as JSON')
    .action(async (paths: string[], options: { tags?: string; json?: boolean }) => {
      const tags = parseTags(options.tags);
      const { files, unmatched } = await expandPaths(paths);
      if (files.length === 0) throw new ValidationError(`Nothing to ingest: no supported file in ${paths.join(', ')}`);
      const summary = {
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        chunks: 0,
        seconds: 0,
        failures: [] as Array<{ file: string; reason: string }>,
        unmatched,
      };
      const started = performance.now();
      await withKnowledge(async (knowledge) => {
        const bar = new cliProgress.SingleBar(
          {
            format: 'ingest [{bar}] {value}/{total} files | {chunks} chunks | {file}',
            hideCursor: true,
            noTTYOutput: !process.stderr.isTTY,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(files.length, 0, { chunks: 0, file: '' });
        for (const file of files) {
          try {
            const result = await knowledge.ingestFile(file, { ...(tags ? { tags } : {}) });
            summary[result.outcome] += 1;
            summary.chunks += result.chunks;
          } catch (error) {
            summary.failed += 1;
            summary.failures.push({ file, reason: (error as Error).message });
          }
          bar.increment(1, { chunks: summary.chunks, file: file.length > 40 ? `…${file.slice(-39)}` : file });
        }
        bar.stop();
      });
      summary.seconds = Math.round((performance.now() - started) / 10) / 100;
      if (options.json) console.log(JSON.stringify(summary));
      else {
        console.log(
          `${files.length} files: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed; ${summary.chunks} chunks in ${summary.seconds}s`,
        );
        for (const failure of summary.failures) console.log(`  failed ${failure.file}: ${failure.reason}`);
        for (const path of unmatched) console.log(`  no match: ${path}`);
      }
      if (summary.failed > 0) process.exitCode = 1;
    });

  kb.command('search <query>')
    .description('hybrid search; prints passages with [n] citations and their sources')
    .option('-k <k>', 'number of passages', '5')
    .option('-t, --tags <tags>', 'only documents with one of these tags')
    .action(async (query: string, options: { k: string; tags?: string }) => {
      const k = Number(options.k);
      if (!Number.isInteger(k) || k < 1 || k > 50) throw new ValidationError('-k must be an integer between 1 and 50');
      const passages = await withKnowledge((knowledge) => knowledge.search({ q: query, k, tags: parseTags(options.tags) }));
      console.log(formatCitedPassages(passages));
    });

  kb.command('eval <file>')
    .description('recall@5, recall@10 and MRR of lexical, vector and hybrid retrieval over JSONL {"query","relevant":[ids or paths]}')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const queries = await readEvalFile(file);
      const metrics = await withKnowledge((knowledge) => evaluateRetrieval(knowledge, queries));
      if (options.json) console.log(JSON.stringify({ queries: queries.length, ...metrics }));
      else {
        console.log(`${queries.length} queries`);
        console.table(Object.fromEntries(Object.entries(metrics).map(([mode, value]) => [mode, value])));
      }
    });
}
