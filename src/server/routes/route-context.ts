/**
 * What route modules receive from the app factory: the components they call into.
 */
import type { AgentAdmission } from '../../core/agent-admission.js';
import type { AnchorSource } from '../../audit/anchor-verify.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { DomainEvents } from '../../actions/domain-events.js';
import type { AccessChanges } from '../../auth/access-changes.js';
import type { TokenAuthenticator } from '../../auth/token-authenticator.js';
import type { Database } from '../../db/database.js';
import type { KnowledgeBase } from '../../knowledge/knowledge-base.js';

/** Components available to every route module. */
export interface RouteContext {
  database: Database;
  audit: AuditLog;
  events: DomainEvents;
  authenticator: TokenAuthenticator;
  /** Revocations and role changes: applied here at once and published to the other nodes. */
  accessChanges: AccessChanges;
  knowledge: KnowledgeBase;
  /** Refuses new chat messages with 503 `busy` while the agent's queue is full. */
  agentAdmission: AgentAdmission;
  /** The anchor log and key, when anchors are on: verify checks the chain against them. */
  auditAnchors?: AnchorSource;
}
