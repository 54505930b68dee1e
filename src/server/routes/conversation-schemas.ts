/**
 * Request and response schemas for conversations and messages.
 */
import { z } from 'zod';
import { DEFAULT_SYNC_LIMIT, MAX_SYNC_LIMIT } from '../../actions/message-sync.js';
import { channelSchema, jsonObject, pageOf, pageQuery } from '../../contracts/common-schemas.js';

/** A conversation in responses. */
export const conversationSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    context: z.unknown(),
    ownerId: z.uuid(),
    originChannel: channelSchema,
    externalRef: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({
    id: 'Conversation',
    example: {
      id: '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f',
      title: 'Core router flapping',
      description: 'BGP session drops every 10 minutes',
      context: { site: 'DLA-1' },
      ownerId: '019a7c9e-0000-7000-8000-000000000001',
      originChannel: 'api',
      externalRef: null,
      createdAt: '2026-11-22T08:00:00.000Z',
      updatedAt: '2026-11-22T08:05:00.000Z',
    },
  });

/** Body of POST /conversations. */
export const conversationCreateBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    context: jsonObject.optional(),
    originChannel: channelSchema.optional(),
  })
  .meta({ id: 'ConversationCreate', example: { title: 'Core router flapping', context: { site: 'DLA-1' } } });

/** Body of PUT /conversations/:id. */
export const conversationUpdateBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    context: jsonObject.optional(),
  })
  .refine((value) => Object.keys(value).length > 0, { message: 'at least one field is required' })
  .meta({ id: 'ConversationUpdate', example: { title: 'Core router flapping (resolved)' } });

/** Query of GET /conversations. */
export const conversationListQuery = pageQuery.extend({
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'Case-insensitive title filter' }),
  channel: channelSchema.optional(),
  ownerId: z.uuid().optional().meta({ description: 'Admins only: conversations of one user' }),
});

/** A page of conversations. */
export const conversationPage = pageOf(conversationSchema, 'ConversationPage');

/** A message in responses. */
export const messageSchema = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    authorId: z.uuid().nullable(),
    role: z.enum(['user', 'assistant', 'system', 'tool']),
    content: z.string(),
    metadata: z.unknown(),
    actionsTaken: z.unknown(),
    modelUsed: z.string().nullable(),
    processingMs: z.number().int().nullable(),
    tokenCount: z.number().int().nullable(),
    clientMessageId: z.string().nullable(),
    channel: channelSchema,
    createdAt: z.iso.datetime(),
    seq: z.number().int().min(0).meta({ description: 'Position in the conversation (1, 2, 3…), for gap detection and catch-up' }),
  })
  .meta({
    id: 'Message',
    example: {
      id: '019a7c9e-6000-7000-8000-000000000002',
      conversationId: '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f',
      authorId: '019a7c9e-0000-7000-8000-000000000001',
      role: 'user',
      content: 'net check 10.0.0.1 ports=22,443',
      metadata: {},
      actionsTaken: [],
      modelUsed: null,
      processingMs: null,
      tokenCount: null,
      clientMessageId: 'c-42',
      channel: 'api',
      createdAt: '2026-11-22T08:01:00.000Z',
      seq: 42,
    },
  });

/** Body of POST /conversations/:id/messages. */
export const messageCreateBody = z
  .strictObject({
    content: z.string().min(1).max(32_000),
    role: z.enum(['user', 'assistant', 'system', 'tool']).optional().meta({ description: 'Non-user roles need operator' }),
    metadata: jsonObject.optional(),
    clientMessageId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Idempotency key: the same key never creates two messages in a conversation' }),
  })
  .meta({ id: 'MessageCreate', example: { content: 'Is the core router reachable?', clientMessageId: 'c-42' } });

/** Query of GET /messages. */
export const messageListQuery = pageQuery.extend({
  conversationId: z.uuid().optional(),
  role: z.enum(['user', 'assistant', 'system', 'tool']).optional(),
});

/** A page of messages. */
export const messagePage = pageOf(messageSchema, 'MessagePage');

/** Query of GET /conversations/:id/messages/sync (issue #20: catch-up by sequence number). */
export const messageSyncQuery = z.strictObject({
  afterSeq: z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().max(2_147_483_647))
    .meta({ description: 'The newest seq you hold (0 for everything)', example: '41' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_SYNC_LIMIT)
    .default(DEFAULT_SYNC_LIMIT)
    .meta({ description: `Page size (1–${MAX_SYNC_LIMIT})`, example: 200 }),
});

/** One catch-up page. */
export const messageSyncPage = z
  .object({
    conversationId: z.uuid(),
    messages: z.array(messageSchema),
    nextSeq: z.number().int().meta({ description: 'Ask again with afterSeq=nextSeq while more is true' }),
    more: z.boolean(),
    lastSeq: z.number().int().meta({ description: "The conversation's newest seq when the page was read" }),
  })
  .meta({ id: 'MessageSyncPage' });
