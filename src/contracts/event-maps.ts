/**
 * The Socket.IO contract, typed once and imported by both the gateway and the browser
 * console (type-only, so the console bundle carries no server code). Events are named
 * `noun:verb`; every client event takes an ack shaped `{data}` or `{error}`.
 */
import type { ConversationView, MessageView } from '../actions/conversation-views.js';

/** The error half of an ack: the same public shape REST errors use. */
export interface AckError {
  code: string;
  message: string;
  details?: unknown;
}

/** Every ack is either data or an error, never both. */
export type Ack<T> = { data: T } | { error: AckError };

/** A callback the server calls once with the outcome. */
export type AckCallback<T> = (response: Ack<T>) => void;

/** A user as presence lists show them. */
export interface PresenceUser {
  userId: string;
  userName: string;
}

/** What `conversation:join` answers: the conversation, who is there, and missed messages. */
export interface JoinResult {
  conversation: ConversationView;
  users: PresenceUser[];
  /** Messages stored after `since` (when given), oldest first: a reconnecting client's catch-up. */
  missed: MessageView[];
}

/** Events a client sends. */
export interface ClientToServerEvents {
  'conversation:join': (payload: { conversationId: string; since?: string }, ack: AckCallback<JoinResult>) => void;
  'conversation:leave': (payload: { conversationId: string }, ack: AckCallback<{ conversationId: string }>) => void;
  'message:send': (
    payload: { conversationId: string; content: string; clientMessageId: string },
    ack: AckCallback<{ message: MessageView; created: boolean }>,
  ) => void;
  typing: (payload: { conversationId: string }, ack: AckCallback<{ conversationId: string }>) => void;
  'execution:approve': (payload: { executionId: string }, ack: AckCallback<unknown>) => void;
  'execution:deny': (payload: { executionId: string; reason?: string }, ack: AckCallback<unknown>) => void;
}

/** A tool execution as the agent runtime reports it (at least these fields). */
export interface ExecutionView {
  id: string;
  tool: string;
  status: string;
  arguments: unknown;
  requestedBy?: unknown;
  conversationId?: string | null;
  [key: string]: unknown;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  'message:new': (payload: { message: MessageView }) => void;
  'agent:token': (payload: { conversationId: string; messageId: string; delta: string }) => void;
  'agent:tool': (payload: { conversationId: string | null; execution: ExecutionView }) => void;
  'agent:done': (payload: { conversationId: string; message: MessageView }) => void;
  'agent:status': (payload: { conversationId: string; status: 'queued' | 'running'; position?: number }) => void;
  presence: (payload: { conversationId: string; users: PresenceUser[] }) => void;
  typing: (payload: { conversationId: string; userId: string; userName: string }) => void;
  'audit:event': (payload: { event: Record<string, unknown> }) => void;
}

/** Names of the client events, for validation and metrics labels. */
export const CLIENT_EVENTS = [
  'conversation:join',
  'conversation:leave',
  'message:send',
  'typing',
  'execution:approve',
  'execution:deny',
] as const;
