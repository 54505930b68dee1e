/**
 * Room names in one place: a conversation's members, and the role rooms that receive
 * admin-only audit events and conversation-less tool executions.
 */

/** The room of one conversation. */
export function conversationRoom(conversationId: string): string {
  return `conversation:${conversationId}`;
}

/** The conversation id of a conversation room, or null for other rooms. */
export function conversationOfRoom(room: string): string | null {
  return room.startsWith('conversation:') ? room.slice('conversation:'.length) : null;
}

/** Admins only: audit events. */
export const ADMIN_ROOM = 'role:admin';
/** Operators and admins: tool executions that belong to no conversation. */
export const OPERATOR_ROOM = 'role:operator';
