/**
 * Adds the authenticated principal and the request id to Express's Request type.
 */
import type { Principal } from '../../auth/principal.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    requestId?: string;
  }
}

export {};
