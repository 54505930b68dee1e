/**
 * In-process domain events: actions announce what they changed, and the realtime gateway
 * (and later the bots) fan it out. Actions never import the transport.
 */
import { EventEmitter } from 'node:events';
import type { MessageView } from './conversation-views.js';

/** Event name → payload. The realtime gateway maps these to Socket.IO events. */
export interface DomainEventMap {
  /** A message was stored (any channel): → `message:new` in the conversation room. */
  'message.created': [{ message: MessageView; ownerId: string }];
  /** A streamed token of an assistant answer: → `agent:token`. */
  'agent.token': [{ conversationId: string; messageId: string; delta: string }];
  /** A tool execution changed state (proposed, pending approval, running, done…): → `agent:tool`. */
  'agent.tool': [{ conversationId: string | null; execution: Record<string, unknown> }];
  /** A model turn waits for a free slot (`queued`, 1 = next) or has started (`running`): → `agent:status`. */
  'agent.status': [{ conversationId: string; status: 'queued' | 'running'; position?: number }];
  /** The assistant finished its answer: → `agent:done`. */
  'agent.done': [{ conversationId: string; message: MessageView }];
  /** An audit event was committed: → `audit:event` to admins only. */
  'audit.appended': [{ event: Record<string, unknown> }];
}

/** A typed EventEmitter for domain events. */
export class DomainEvents extends EventEmitter<DomainEventMap> {
  constructor() {
    super();
    this.setMaxListeners(50);
  }
}
