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

/**
 * One catch-up page (`conversation:sync`, REST `…/messages/sync`): messages after `afterSeq`
 * by seq; `more` says whether to ask again with `afterSeq = nextSeq`; `lastSeq` is the
 * conversation's newest seq (a client that reached it holds everything, deleted seqs aside).
 */
export interface SyncPage {
  conversationId: string;
  messages: MessageView[];
  nextSeq: number;
  more: boolean;
  lastSeq: number;
}

/** Why a client catches up (sent on the first page of a catch-up only, for metrics). */
export type CatchUpReason = 'gap' | 'reconnect' | 'resync' | 'wake' | 'join';

/** What `conversation:join` answers: the conversation, who is there, and the first catch-up page. */
export interface JoinResult {
  conversation: ConversationView;
  users: PresenceUser[];
  /** Messages after `afterSeq` (or stored after `since`), by seq: the first catch-up page (empty without either). */
  missed: MessageView[];
  /** Ask `conversation:sync` with this afterSeq while `more` is true. */
  nextSeq: number;
  more: boolean;
  lastSeq: number;
}

/** Events a client sends. */
export interface ClientToServerEvents {
  'conversation:join': (
    payload: { conversationId: string; since?: string; afterSeq?: number; limit?: number },
    ack: AckCallback<JoinResult>,
  ) => void;
  'conversation:sync': (
    payload: { conversationId: string; afterSeq: number; limit?: number; reason?: CatchUpReason },
    ack: AckCallback<SyncPage>,
  ) => void;
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
  /** Cross-node delivery may have lost messages (Redis came back): sync if `lastSeq` is above what you hold. */
  'conversation:resync': (payload: { conversationId: string; lastSeq: number }) => void;
}

/** Names of the client events, for validation and metrics labels. */
export const CLIENT_EVENTS = [
  'conversation:join',
  'conversation:leave',
  'conversation:sync',
  'message:send',
  'typing',
  'execution:approve',
  'execution:deny',
] as const;
