/**
 * The service capability in one object (the services module builds one per process and
 * shares it between REST and the toolset; the CLI builds its own): catalog
 * writes (which clear the semantic cache), cached search, drafts, and their metrics. Built
 * from injected parts (SQL runner, Embedder, metrics registry).
 */
import type { Counter, Histogram, Metric, Registry } from 'prom-client';
import type { Embedder } from '../../inference/inference-contract.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import {
  categorySynchroniser,
  serviceCreator,
  serviceDeleter,
  serviceFinder,
  serviceLister,
  serviceUpdater,
  type ServiceView,
} from './service-catalog.js';
import { extractDraft, type ServiceDraft } from './draft-extractor.js';
import { SemanticCache } from './semantic-cache.js';
import { serviceSearcher, type ServiceSearchResult } from './service-search.js';
import type { ServiceInput, ServiceSearchInput, ServiceUpdate } from './service-schemas.js';
import { parseNeed } from './need-parser.js';
import { TermCorrector } from './term-corrector.js';
import { counter, histogram } from '../../core/metrics.js';

/** What the engine is built from. */
export interface ServiceEngineOptions {
  sql: SqlQueries;
  embedder: Embedder;
  registry?: Registry;
  cache?: SemanticCache<ServiceSearchResult>;
}

/** Search answer plus whether it came from the cache. */
export type CachedSearchResult = ServiceSearchResult & { cached: boolean; tookMs: number };

/** The catalog, search and drafts behind every surface. */
export class ServiceEngine {
  private readonly sql: SqlQueries;
  readonly embedder: Embedder;
  private readonly cache: SemanticCache<ServiceSearchResult>;
  /** Typo corrections per word, forgotten with the cache on every catalog write. */
  readonly corrector = new TermCorrector();
  private ready: Promise<void> | null = null;
  private searchSeconds: Histogram<'cache'> | null = null;
  private drafts: Counter | null = null;
  private writes: Counter<'operation'> | null = null;

  constructor(options: ServiceEngineOptions) {
    this.sql = options.sql;
    this.embedder = options.embedder;
    this.cache = options.cache ?? new SemanticCache();
    if (options.registry) this.attachMetrics(options.registry);
  }

  /** Registers the engine's metrics on a registry (once; later calls are ignored). */
  attachMetrics(registry: Registry): void {
    if (this.searchSeconds) return;
    this.searchSeconds = histogram(registry, {
      name: 'vigie_service_search_duration_seconds',
      help: 'Service search latency, by cache hit or miss',
      labelNames: ['cache'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
    this.drafts = counter(registry, { name: 'vigie_service_drafts_total', help: 'Service drafts extracted from free text' });
    this.writes = counter(registry, { name: 'vigie_service_writes_total', help: 'Catalog writes', labelNames: ['operation'] });
  }

  /** The metrics attached with attachMetrics (the services module's `metrics` entry). */
  get metrics(): Metric[] {
    return [this.searchSeconds, this.drafts, this.writes].filter((metric): metric is NonNullable<typeof metric> => metric !== null);
  }

  /** Synchronises the taxonomy once before the first write. */
  private ensureReady(): Promise<void> {
    this.ready ??= categorySynchroniser(this.sql).catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  /** Creates a listing. */
  async create(ownerId: string | null, input: ServiceInput): Promise<ServiceView> {
    await this.ensureReady();
    const service = await serviceCreator(this.sql, this.embedder, ownerId, input);
    this.changed('create');
    return service;
  }

  /** Reads one listing. */
  get(id: string): Promise<ServiceView> {
    return serviceFinder(this.sql, id);
  }

  /** Lists listings newest first. */
  list(filters: Parameters<typeof serviceLister>[1]) {
    return serviceLister(this.sql, filters);
  }

  /** Updates a listing. */
  async update(id: string, changes: ServiceUpdate): Promise<ServiceView> {
    await this.ensureReady();
    const service = await serviceUpdater(this.sql, this.embedder, id, changes);
    this.changed('update');
    return service;
  }

  /** Deletes a listing. */
  async remove(id: string): Promise<void> {
    await serviceDeleter(this.sql, id);
    this.changed('delete');
  }

  /** Searches by need, answering repeated needs from the semantic cache. */
  async search(input: ServiceSearchInput): Promise<CachedSearchResult> {
    const started = performance.now();
    const need = parseNeed(input.q);
    const [vector] = need.embeddingText ? await this.embedder.embed([need.embeddingText]) : [undefined];
    const filterKey = JSON.stringify([
      input.lat,
      input.lon,
      input.radius_km,
      input.category,
      input.price_max,
      input.limit,
      need.place?.name,
      need.cheap,
    ]);
    const hit = vector ? this.cache.get(filterKey, vector) : undefined;
    if (hit) {
      const tookMs = performance.now() - started;
      this.searchSeconds?.observe({ cache: 'hit' }, tookMs / 1000);
      return { ...hit.value, cached: true, tookMs: Math.round(tookMs * 100) / 100 };
    }
    const result = await serviceSearcher(this.sql, this.embedder, input, vector, this.corrector);
    if (vector) this.cache.set(filterKey, vector, result);
    const tookMs = performance.now() - started;
    this.searchSeconds?.observe({ cache: 'miss' }, tookMs / 1000);
    return { ...result, cached: false, tookMs: Math.round(tookMs * 100) / 100 };
  }

  /** Turns free text into a draft (no model, no database). */
  draft(text: string): ServiceDraft & { tookMs: number } {
    const started = performance.now();
    const draft = extractDraft(text);
    this.drafts?.inc();
    return { ...draft, tookMs: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  private changed(operation: string): void {
    this.cache.clear();
    this.corrector.clear();
    this.writes?.inc({ operation });
  }
}
