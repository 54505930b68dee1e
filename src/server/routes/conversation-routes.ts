/**
 * /api/conversations and /api/messages: thin handlers over the conversation and message
 * actions.
 */
import {
  conversationInserter,
  conversationDeleter,
  conversationReader,
  conversationLister,
  conversationUpdater,
} from '../../actions/conversations.js';
import { conversationView } from '../../actions/conversation-views.js';
import { parseAcceptLanguage } from '../../contracts/i18n.js';
import { conversationMessageLister, messageFinder, messageLister, messagePoster } from '../../actions/messages.js';
import type { RouteTable } from '../http/route-table.js';
import { idParams, pageQuery } from '../../contracts/common-schemas.js';
import {
  conversationCreateBody,
  conversationListQuery,
  conversationPage,
  conversationSchema,
  conversationUpdateBody,
  messageCreateBody,
  messageListQuery,
  messagePage,
  messageSchema,
  messageSyncPage,
  messageSyncQuery,
} from './conversation-schemas.js';
import { messagesAfterSeq } from '../../actions/message-sync.js';
import type { RouteContext } from './route-context.js';

/** Registers conversation and message routes. */
export function conversationRoutes(routes: RouteTable, { database, events, agentAdmission }: RouteContext): void {
  const prisma = database.prisma;
  const tag = 'Conversations';

  routes.add({
    method: 'get',
    path: '/conversations',
    tag,
    summary: 'List conversations you can see (owner, or all for admins), newest first',
    query: conversationListQuery,
    success: { status: 200, description: 'A page of conversations', schema: conversationPage },
    handler: ({ query, principal }) => conversationLister(database, principal, query),
  });

  routes.add({
    method: 'post',
    path: '/conversations',
    tag,
    summary: 'Create a conversation owned by the caller',
    body: conversationCreateBody,
    success: { status: 201, description: 'The new conversation', schema: conversationSchema },
    handler: ({ body, principal }) => conversationInserter(database.sql, principal, body),
  });

  routes.add({
    method: 'get',
    path: '/conversations/:id',
    tag,
    summary: 'Get one conversation',
    params: idParams,
    success: { status: 200, description: 'The conversation', schema: conversationSchema },
    handler: async ({ params, principal }) => conversationView(await conversationReader(prisma, principal, params.id)),
  });

  routes.add({
    method: 'put',
    path: '/conversations/:id',
    tag,
    summary: 'Update title, description or context',
    params: idParams,
    body: conversationUpdateBody,
    success: { status: 200, description: 'The updated conversation', schema: conversationSchema },
    handler: ({ params, body, principal }) => conversationUpdater(prisma, principal, params.id, body),
  });

  routes.add({
    method: 'delete',
    path: '/conversations/:id',
    tag,
    summary: 'Delete a conversation and its messages',
    params: idParams,
    success: { status: 204, description: 'Deleted', schema: null },
    handler: ({ params, principal }) => conversationDeleter(prisma, principal, params.id),
  });

  routes.add({
    method: 'get',
    path: '/conversations/:id/messages',
    tag: 'Messages',
    summary: 'Messages of a conversation in time order',
    params: idParams,
    query: pageQuery,
    success: { status: 200, description: 'A page of messages, oldest first', schema: messagePage },
    handler: ({ params, query, principal }) => conversationMessageLister(prisma, principal, params.id, query),
  });

  routes.add({
    method: 'get',
    path: '/conversations/:id/messages/sync',
    tag: 'Messages',
    summary: 'Catch up by sequence number: the messages after afterSeq, by seq',
    description: 'Page with afterSeq=nextSeq while more is true. The same page as the conversation:sync socket event (docs/realtime.md).',
    params: idParams,
    query: messageSyncQuery,
    success: { status: 200, description: 'One catch-up page', schema: messageSyncPage },
    handler: ({ params, query, principal }) => messagesAfterSeq(prisma, principal, params.id, query),
  });

  routes.add({
    method: 'post',
    path: '/conversations/:id/messages',
    tag: 'Messages',
    summary: 'Post a message (idempotent on clientMessageId)',
    description:
      'Stores the message, then broadcasts it to the conversation room. Repeating a clientMessageId returns the stored message with 200 instead of 201.',
    params: idParams,
    body: messageCreateBody,
    errors: [403, 503],
    success: {
      status: 201,
      description: 'The new message (200 when clientMessageId was already used); 503 `busy` while the agent queue is full',
      schema: messageSchema,
    },
    handler: async ({ params, body, principal, request, response }) => {
      agentAdmission.assertOpen();
      // The answer is written in the language of the request that posts the question.
      const locale = parseAcceptLanguage(request.header('accept-language'));
      const { message, created } = await messagePoster(prisma, events, principal, params.id, {
        ...body,
        channel: 'api',
        ...(locale ? { metadata: { locale } } : {}),
      });
      response.status(created ? 201 : 200).json(message);
      return undefined;
    },
  });

  routes.add({
    method: 'get',
    path: '/messages',
    tag: 'Messages',
    summary: 'Messages across the conversations you can see, newest first',
    query: messageListQuery,
    success: { status: 200, description: 'A page of messages', schema: messagePage },
    handler: ({ query, principal }) => messageLister(prisma, principal, query),
  });

  routes.add({
    method: 'get',
    path: '/messages/:id',
    tag: 'Messages',
    summary: 'Get one message',
    params: idParams,
    success: { status: 200, description: 'The message', schema: messageSchema },
    handler: ({ params, principal }) => messageFinder(prisma, principal, params.id),
  });
}
