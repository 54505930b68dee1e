/**
 * In-process domain events: actions announce what they changed, and the realtime gateway
 * (and later the bots) fan it out. Actions never import the transport.
 */
import { EventEmitter } from 'node:events';
import type { MessageView } from './conversation-views.js';

/** Event name → payload. */
export interface DomainEventMap {
  'message.created': [{ message: MessageView; ownerId: string }];
  'audit.appended': [{ event: Record<string, unknown> }];
}

/** A typed EventEmitter for domain events. */
export class DomainEvents extends EventEmitter<DomainEventMap> {
  constructor() {
    super();
    this.setMaxListeners(50);
  }
}
