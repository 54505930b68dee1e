/**
 * Catalog CRUD over raw SQL (the vector and tsvector columns are outside Prisma): every
 * write embeds the listing with the injected Embedder, stores the model id beside the
 * vector, feeds the typo lexicon, and tells the search cache that the catalog changed.
 */
import { randomUUID } from 'node:crypto';
import type { Embedder } from '../../inference/inference-contract.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { SERVICE_CATEGORIES, categoryKeywordText, findCategory } from './service-taxonomy.js';
import type { ServiceInput, ServiceUpdate } from './service-schemas.js';

/** A service as clients see it. */
export interface ServiceView {
  id: string;
  title: string;
  description: string;
  category: string;
  priceMin: number | null;
  priceMax: number | null;
  currency: string | null;
  latitude: number | null;
  longitude: number | null;
  city: string | null;
  availability: string | null;
  status: 'active' | 'paused' | 'archived';
  ownerId: string | null;
  contact: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Raw row shape shared with search. */
export interface ServiceRow {
  id: string;
  title: string;
  description: string;
  category: string;
  keywords: string;
  price_min: string | number | null;
  price_max: string | number | null;
  currency: string | null;
  latitude: number | null;
  longitude: number | null;
  city: string | null;
  availability: string | null;
  status: ServiceView['status'];
  owner_id: string | null;
  contact: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Columns selected for a view (never the vector). */
export const SERVICE_COLUMNS =
  'id, title, description, category, keywords, price_min, price_max, currency, latitude, longitude, city, availability, status, owner_id, contact, created_at, updated_at';

function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Converts a row to its public shape. */
export function serviceView(row: ServiceRow): ServiceView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    category: row.category,
    priceMin: toNumber(row.price_min),
    priceMax: toNumber(row.price_max),
    currency: row.currency,
    latitude: row.latitude,
    longitude: row.longitude,
    city: row.city,
    availability: row.availability,
    status: row.status,
    ownerId: row.owner_id,
    contact: row.contact,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** The text a listing is embedded from: title, category label, description and city. */
export function embeddingText(service: Pick<ServiceView, 'title' | 'description' | 'category' | 'city'>): string {
  return [service.title, findCategory(service.category)?.label ?? '', service.description, service.city ?? ''].join(' \n');
}

/** pgvector's text form of a vector. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector, (value) => (Number.isFinite(value) ? value : 0)).join(',')}]`;
}

/** Writes the managed taxonomy into service_categories (idempotent upsert, at start-up). */
export async function categorySynchroniser(sql: SqlQueries): Promise<void> {
  await sql.query(
    `INSERT INTO service_categories (slug, label, keywords)
     SELECT c.slug, c.label, string_to_array(c.keywords_text, '|')
     FROM unnest($1::text[], $2::text[], $3::text[]) AS c(slug, label, keywords_text)
     ON CONFLICT (slug) DO UPDATE SET label = EXCLUDED.label, keywords = EXCLUDED.keywords, updated_at = now()
     WHERE service_categories.label <> EXCLUDED.label OR service_categories.keywords <> EXCLUDED.keywords`,
    [
      SERVICE_CATEGORIES.map((category) => category.slug),
      SERVICE_CATEGORIES.map((category) => category.label),
      SERVICE_CATEGORIES.map((category) => category.keywords.join('|')),
    ],
  );
}

/** Adds the folded words of a text to the typo lexicon. */
export async function lexiconFeeder(sql: SqlQueries, text: string): Promise<void> {
  await sql.query(
    `INSERT INTO service_terms (term)
     SELECT DISTINCT word FROM regexp_split_to_table(vigie_unaccent(lower($1)), '[^a-z0-9]+') AS word
     WHERE length(word) BETWEEN 3 AND 64
     ON CONFLICT (term) DO NOTHING`,
    [text],
  );
}

/** Inserts a service with its embedding; returns it. */
export async function serviceCreator(
  sql: SqlQueries,
  embedder: Embedder,
  ownerId: string | null,
  input: ServiceInput,
): Promise<ServiceView> {
  const text = embeddingText(input);
  const [vector] = await embedder.embed([text]);
  const rows = await sql.query<ServiceRow>(
    `INSERT INTO services (id, title, description, category, keywords, price_min, price_max, currency, latitude, longitude,
       city, availability, status, owner_id, contact, embedding, embedding_model)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::vector, $17)
     RETURNING ${SERVICE_COLUMNS}`,
    [
      randomUUID(),
      input.title,
      input.description,
      input.category,
      categoryKeywordText(input.category),
      input.priceMin,
      input.priceMax,
      input.currency,
      input.latitude,
      input.longitude,
      input.city,
      input.availability,
      input.status,
      ownerId,
      input.contact,
      vector ? vectorLiteral(vector) : null,
      embedder.modelId,
    ],
  );
  await lexiconFeeder(sql, `${input.title} ${categoryKeywordText(input.category)} ${input.description}`);
  return serviceView(rows[0]!);
}

/** One service by id (any status). */
export async function serviceFinder(sql: SqlQueries, id: string): Promise<ServiceView> {
  const rows = await sql.query<ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM services WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Service');
  return serviceView(rows[0]);
}

/** Newest first, keyset-paginated on (created_at, id), optionally by category and status. */
export async function serviceLister(
  sql: SqlQueries,
  filters: {
    limit: number;
    cursor?: { createdAt: Date; id: string } | undefined;
    category?: string | undefined;
    status?: string | undefined;
  },
): Promise<{ data: ServiceView[]; last: ServiceView | null; more: boolean }> {
  const rows = await sql.query<ServiceRow>(
    `SELECT ${SERVICE_COLUMNS} FROM services
     WHERE ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [filters.category ?? null, filters.status ?? null, filters.cursor?.createdAt ?? null, filters.cursor?.id ?? null, filters.limit + 1],
  );
  const data = rows.slice(0, filters.limit).map(serviceView);
  return { data, last: data.at(-1) ?? null, more: rows.length > filters.limit };
}

/** Applies a partial update, re-embedding when the searchable text changed. */
export async function serviceUpdater(sql: SqlQueries, embedder: Embedder, id: string, changes: ServiceUpdate): Promise<ServiceView> {
  const current = await serviceFinder(sql, id);
  const next = { ...current, ...changes };
  if ((next.latitude === null) !== (next.longitude === null)) {
    throw new ValidationError('latitude and longitude go together', [
      { path: 'body.longitude', message: 'latitude and longitude go together' },
    ]);
  }
  if (next.priceMin !== null && next.priceMax !== null && next.priceMax < next.priceMin) {
    throw new ValidationError('priceMax must be greater than or equal to priceMin', [
      { path: 'body.priceMax', message: 'must be >= priceMin' },
    ]);
  }
  const text = embeddingText(next);
  const textChanged = text !== embeddingText(current);
  const [vector] = textChanged ? await embedder.embed([text]) : [undefined];
  const rows = await sql.query<ServiceRow>(
    `UPDATE services SET title = $2, description = $3, category = $4, keywords = $5, price_min = $6, price_max = $7,
       currency = $8, latitude = $9, longitude = $10, city = $11, availability = $12, status = $13, contact = $14,
       embedding = coalesce($15::vector, embedding), embedding_model = CASE WHEN $15::vector IS NULL THEN embedding_model ELSE $16 END,
       updated_at = now()
     WHERE id = $1 RETURNING ${SERVICE_COLUMNS}`,
    [
      id,
      next.title,
      next.description,
      next.category,
      categoryKeywordText(next.category),
      next.priceMin,
      next.priceMax,
      next.currency,
      next.latitude,
      next.longitude,
      next.city,
      next.availability,
      next.status,
      next.contact,
      vector ? vectorLiteral(vector) : null,
      embedder.modelId,
    ],
  );
  if (!rows[0]) throw new NotFoundError('Service');
  if (textChanged) await lexiconFeeder(sql, `${next.title} ${categoryKeywordText(next.category)} ${next.description}`);
  return serviceView(rows[0]);
}

/** Deletes a service. */
export async function serviceDeleter(sql: SqlQueries, id: string): Promise<void> {
  const rows = await sql.query<{ id: string }>('DELETE FROM services WHERE id = $1 RETURNING id', [id]);
  if (!rows[0]) throw new NotFoundError('Service');
}
