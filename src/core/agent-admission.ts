/**
 * The REST side of bounded turns: POST /api/conversations/:id/messages asks it before storing
 * a message, so a client learns with a 503 `busy` that this node's agent queue is full instead
 * of getting a 201 and a "busy" reply later. One per app; the running agent plugs its probe in.
 */
import { AppError } from '../errors.js';

/** Whether the node's agent accepts one more turn now. */
export class AgentAdmission {
  private probe: (() => boolean) | undefined;

  /** Plugs in the agent's probe; returns the function that unplugs it. */
  attach(probe: () => boolean): () => void {
    this.probe = probe;
    return () => {
      if (this.probe === probe) this.probe = undefined;
    };
  }

  /** Throws `busy` (503) when the agent's queue is full; no agent means no limit. */
  assertOpen(): void {
    if (this.probe && !this.probe())
      throw new AppError('busy', 503, 'The agent is busy: its queue is full on this node; try again shortly');
  }
}
