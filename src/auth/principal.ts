/**
 * Who is calling: resolved once per request or socket from a bearer token, then passed to
 * every action, so authorization never depends on what the client claims about itself.
 */
import type { Role } from './roles.js';

/** The authenticated caller. `role` is the token's role capped at the user's role. */
export interface Principal {
  userId: string;
  userName: string;
  role: Role;
  tokenId: string | null;
}
