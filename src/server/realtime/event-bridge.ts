/**
 * Domain events → Socket.IO rooms. A domain event fires only on the node that handled the
 * request, and that node emits through the adapter (io.to(room)), so every client on every
 * node receives each event exactly once, whether the message came from a socket, REST or a
 * bot.
 */
import type { Server } from 'socket.io';
import type { AuditLog } from '../../audit/audit-log.js';
import type { DomainEvents } from '../../actions/domain-events.js';
import type { ClientToServerEvents, ExecutionView, ServerToClientEvents } from '../../contracts/event-maps.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { ADMIN_ROOM, OPERATOR_ROOM, conversationRoom } from './rooms.js';
import type { SocketData } from './socket-auth.js';

type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Subscribes to domain and audit events; returns the function that unsubscribes. */
export function bridgeDomainEvents(io: GatewayServer, events: DomainEvents, audit: AuditLog, metrics: GatewayMetrics): () => void {
  const messageCreated = ({ message }: { message: Parameters<ServerToClientEvents['message:new']>[0]['message'] }) => {
    metrics.broadcasts.inc({ event: 'message:new' });
    io.to(conversationRoom(message.conversationId)).emit('message:new', { message });
  };
  const agentToken = (payload: { conversationId: string; messageId: string; delta: string }) => {
    metrics.broadcasts.inc({ event: 'agent:token' });
    io.to(conversationRoom(payload.conversationId)).emit('agent:token', payload);
  };
  const agentTool = ({ conversationId, execution }: { conversationId: string | null; execution: Record<string, unknown> }) => {
    metrics.broadcasts.inc({ event: 'agent:tool' });
    const target = conversationId ? conversationRoom(conversationId) : OPERATOR_ROOM;
    io.to(target).emit('agent:tool', { conversationId, execution: execution as ExecutionView });
  };
  const agentStatus = (payload: Parameters<ServerToClientEvents['agent:status']>[0]) => {
    metrics.broadcasts.inc({ event: 'agent:status' });
    io.to(conversationRoom(payload.conversationId)).emit('agent:status', payload);
  };
  const agentDone = (payload: Parameters<ServerToClientEvents['agent:done']>[0]) => {
    metrics.broadcasts.inc({ event: 'agent:done' });
    io.to(conversationRoom(payload.conversationId)).emit('agent:done', payload);
  };

  // The audit log notifies directly and may also be bridged to `audit.appended`: forward
  // each event id once.
  const forwarded = new Set<string>();
  const forwardAudit = (event: Record<string, unknown>) => {
    const id = typeof event.id === 'string' ? event.id : null;
    if (id) {
      if (forwarded.has(id)) return;
      forwarded.add(id);
      if (forwarded.size > 2_000) forwarded.delete(forwarded.values().next().value as string);
    }
    metrics.broadcasts.inc({ event: 'audit:event' });
    io.to(ADMIN_ROOM).emit('audit:event', { event });
  };
  const auditAppended = ({ event }: { event: Record<string, unknown> }) => forwardAudit(event);

  events.on('message.created', messageCreated);
  events.on('agent.token', agentToken);
  events.on('agent.tool', agentTool);
  events.on('agent.done', agentDone);
  events.on('agent.status', agentStatus);
  events.on('audit.appended', auditAppended);
  const stopAudit = audit.onAppend((record) => forwardAudit(record as unknown as Record<string, unknown>));

  return () => {
    events.off('message.created', messageCreated);
    events.off('agent.token', agentToken);
    events.off('agent.tool', agentTool);
    events.off('agent.done', agentDone);
    events.off('agent.status', agentStatus);
    events.off('audit.appended', auditAppended);
    stopAudit();
  };
}
