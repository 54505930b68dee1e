/**
 * Conversation actions shared by REST, sockets and bots. Visibility is enforced here: only
 * the owner or an admin can see or change a conversation, and everyone else gets 404 so
 * that ids do not leak. Incident threads (owned by `system:incidents`) are also readable by
 * operators, who act on them, but still changed only by their owner or an admin.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Database } from '../db/database.js';
import type { SqlQueries } from '../db/sql-runner.js';
import { uuidV7 } from '../db/uuid-v7.js';
import type { Principal } from '../auth/principal.js';
import { mayActOnAny } from '../auth/policy.js';
import { NotFoundError } from '../errors.js';
import { conversationView, type ConversationView } from './conversation-views.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';

type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';

/** Fields a caller may set when creating a conversation. */
export interface ConversationInput {
  title: string;
  description?: string | null | undefined;
  context?: Record<string, unknown> | undefined;
  originChannel?: Channel | undefined;
  externalRef?: string | null | undefined;
}

/** Filters for listing. */
export interface ConversationFilters {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  channel?: Channel | undefined;
  ownerId?: string | undefined;
}

function visibleTo(principal: Principal): Prisma.ConversationWhereInput {
  return mayActOnAny(principal, 'conversation.change') ? {} : { ownerId: principal.userId };
}

/** visibleTo applied to a loaded row: the group commit of socket messages checks a batch with one read. */
export function isVisibleTo(principal: Principal, row: { ownerId: string }): boolean {
  return mayActOnAny(principal, 'conversation.change') || row.ownerId === principal.userId;
}

/** externalRef prefix of the console threads of incidents (src/incidents). */
export const INCIDENT_THREAD_REF_PREFIX = 'incident:';

function readableBy(principal: Principal): Prisma.ConversationWhereInput {
  if (mayActOnAny(principal, 'conversation.read')) return {};
  if (!mayActOnAny(principal, 'conversation.readIncidentThreads')) return { ownerId: principal.userId };
  return { OR: [{ ownerId: principal.userId }, { originChannel: 'system', externalRef: { startsWith: INCIDENT_THREAD_REF_PREFIX } }] };
}

/** Loads a conversation the caller may change (owner or admin), or throws 404. */
export async function conversationFinder(prisma: PrismaClient, principal: Principal, id: string) {
  const row = await prisma.conversation.findFirst({ where: { id, ...visibleTo(principal) } });
  if (!row) throw new NotFoundError('Conversation');
  return row;
}

/** Loads a conversation the caller may read (also incident threads for operators), or throws 404. */
export async function conversationReader(prisma: PrismaClient, principal: Principal, id: string) {
  const row = await prisma.conversation.findFirst({ where: { id, ...readableBy(principal) } });
  if (!row) throw new NotFoundError('Conversation');
  return row;
}

/** The one statement that creates a conversation and returns its row (id: a v7 UUID from the caller). */
export const CONVERSATION_INSERT_SQL = `INSERT INTO conversations (id, title, description, context, owner_id, origin_channel, external_ref, created_at, updated_at)
  VALUES ($1::uuid, $2, $3, $4::jsonb, $5::uuid, $6::"Channel", $7, now(), now())
  RETURNING id, title, description, context, owner_id, origin_channel, external_ref, created_at, updated_at`;

/** Creates a conversation owned by the caller. */
export async function conversationCreator(prisma: PrismaClient, principal: Principal, input: ConversationInput): Promise<ConversationView> {
  const row = await prisma.conversation.create({
    data: {
      title: input.title,
      description: input.description ?? null,
      context: (input.context ?? {}) as Prisma.InputJsonValue,
      originChannel: input.originChannel ?? 'api',
      externalRef: input.externalRef ?? null,
      ownerId: principal.userId,
    },
  });
  return conversationView(row);
}

interface ConversationRow {
  id: string;
  title: string;
  description: string | null;
  context: unknown;
  owner_id: string;
  origin_channel: Channel;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Creates a conversation owned by the caller in ONE prepared statement (`INSERT … RETURNING`):
 * what POST /api/conversations runs. Prisma's create cost more CPU than the rest of the
 * request (query compilation and result mapping). conversationCreator stays for the bots,
 * whose (origin_channel, external_ref) conflicts are told apart by Prisma's error codes.
 */
export async function conversationInserter(sql: SqlQueries, principal: Principal, input: ConversationInput): Promise<ConversationView> {
  const run = sql.queryPrepared?.bind(sql) ?? sql.query.bind(sql);
  const [row] = await run<ConversationRow>(CONVERSATION_INSERT_SQL, [
    uuidV7(),
    input.title,
    input.description ?? null,
    JSON.stringify(input.context ?? {}),
    principal.userId,
    input.originChannel ?? 'api',
    input.externalRef ?? null,
  ]);
  return rowView(row!);
}

function rowView(row: ConversationRow): ConversationView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    context: row.context,
    ownerId: row.owner_id,
    originChannel: row.origin_channel,
    externalRef: row.external_ref,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The SQL text and parameters of one list page; the API bench's same-SQL ceiling runs it too. */
export function conversationListStatement(principal: Principal, filters: ConversationFilters): { text: string; params: unknown[] } {
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  const readsAll = mayActOnAny(principal, 'conversation.read');
  if (!readsAll && mayActOnAny(principal, 'conversation.readIncidentThreads'))
    add(
      (p) => `(owner_id = ${p}::uuid OR (origin_channel = 'system' AND external_ref LIKE '${INCIDENT_THREAD_REF_PREFIX}%'))`,
      principal.userId,
    );
  else if (!readsAll) add((p) => `owner_id = ${p}::uuid`, principal.userId);
  if (filters.ownerId) add((p) => `owner_id = ${p}::uuid`, filters.ownerId);
  if (filters.channel) add((p) => `origin_channel = ${p}::"Channel"`, filters.channel);
  if (filters.q)
    add(
      (p) => `title ILIKE '%' || ${p} || '%'`,
      filters.q.replace(/[\\%_]/g, (match) => `\\${match}`),
    );
  if (cursor) {
    params.push(cursor.createdAt, cursor.id);
    conditions.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filters.limit + 1);
  const text = `SELECT id, title, description, context, owner_id, origin_channel, external_ref, created_at, updated_at
     FROM conversations ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
  return { text, params };
}

/**
 * Lists visible conversations, newest first, one keyset page at a time. This is the API's
 * busiest read, so it is one indexed SQL statement on the driver, without the ORM's query
 * compilation and result mapping.
 */
export async function conversationLister(
  database: Database,
  principal: Principal,
  filters: ConversationFilters,
): Promise<Page<ConversationView>> {
  const { text, params } = conversationListStatement(principal, filters);
  // A handful of statement shapes: kept prepared per connection (parsed and planned once).
  const run = database.sql.queryPrepared?.bind(database.sql) ?? database.sql.query.bind(database.sql);
  const rows = await run<ConversationRow>(text, params);
  const data = rows.slice(0, filters.limit).map(rowView);
  const last = rows.length > filters.limit ? rows[filters.limit - 1] : undefined;
  return { data, nextCursor: last ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) : null };
}

/** Updates title, description or context of a visible conversation. */
export async function conversationUpdater(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  changes: Partial<Pick<ConversationInput, 'title' | 'description' | 'context'>>,
): Promise<ConversationView> {
  await conversationFinder(prisma, principal, id);
  const row = await prisma.conversation.update({
    where: { id },
    data: {
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.context !== undefined ? { context: changes.context as Prisma.InputJsonValue } : {}),
    },
  });
  return conversationView(row);
}

/** Deletes a visible conversation and its messages. */
export async function conversationDeleter(prisma: PrismaClient, principal: Principal, id: string): Promise<void> {
  const result = await prisma.conversation.deleteMany({ where: { id, ...visibleTo(principal) } });
  if (result.count === 0) throw new NotFoundError('Conversation');
}
