/**
 * `vigie services …`: seed a deterministic demo catalog, search by need and draft a listing
 * from a sentence, straight on the configured database (stop the server first on PGlite).
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { databaseOptionsFromConfig, openMigratedDatabase, type Database } from '../../db/database.js';
import { ValidationError } from '../../errors.js';
import { createLexicalEmbedder } from '../../inference/lexical-embedder.js';
import { extractDraft } from './draft-extractor.js';
import { serviceCards } from './service-cards.js';
import { ServiceEngine } from './service-engine.js';
import { serviceSearchSchema } from './service-schemas.js';
import { generateServices, serviceBulkInserter } from './service-seeder.js';

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database } = await openMigratedDatabase(databaseOptionsFromConfig(config), config.AUTO_MIGRATE);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

function positiveInteger(value: string, name: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new ValidationError(`${name} must be an integer from 1 to ${max}`);
  return parsed;
}

/** Registers `services seed|search|draft`. */
export function registerServiceCommands(program: Command): void {
  const services = program.command('services').description('service catalog: seed, search by need, draft from text');
  services
    .command('seed <count>')
    .description('insert a deterministic, realistic French catalog of <count> services (demos, benchmarks)')
    .option('--seed <seed>', 'generator seed (same seed, same catalog)', '42')
    .action(async (count: string, options: { seed: string }) => {
      const total = positiveInteger(count, 'count', 1_000_000);
      const seed = positiveInteger(options.seed, 'seed', 2 ** 31);
      const started = Date.now();
      await withDatabase((database) =>
        serviceBulkInserter(database.sql, createLexicalEmbedder(), generateServices(total, seed), {
          onProgress: (done) => process.stderr.write(`\rseeded ${done}/${total}`),
        }),
      );
      process.stderr.write('\n');
      console.log(`Inserted ${total} services in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  services
    .command('search <words...>')
    .description('search services by need, e.g. vigie services search plombier pas cher près de Douala')
    .option('--lat <lat>', 'latitude of the centre')
    .option('--lon <lon>', 'longitude of the centre')
    .option('--radius <km>', 'radius in km')
    .option('--limit <n>', 'results', '10')
    .option('--json', 'print JSON')
    .action(async (words: string[], options: { lat?: string; lon?: string; radius?: string; limit: string; json?: boolean }) => {
      const query = serviceSearchSchema.safeParse({
        q: words.join(' '),
        lat: options.lat,
        lon: options.lon,
        radius_km: options.radius,
        limit: options.limit,
      });
      if (!query.success)
        throw new ValidationError(query.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const result = await withDatabase((database) =>
        new ServiceEngine({ sql: database.sql, embedder: createLexicalEmbedder() }).search(query.data),
      );
      if (options.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      for (const card of serviceCards(result.hits)) {
        console.log(
          `• ${card.title} — ${card.subtitle}\n  ${card.fields.map((field) => `${field.label}: ${field.value}`).join(' | ')}\n  ${card.footer}`,
        );
      }
      console.log(`${result.hits.length} result(s) in ${result.tookMs} ms`);
    });
  services
    .command('draft <text...>')
    .description('turn a sentence into a structured service draft (no model, no database)')
    .action((text: string[]) => {
      process.stdout.write(JSON.stringify(extractDraft(text.join(' ')), null, 2) + '\n');
    });
}
