/**
 * Handshake authentication: sockets use the same bearer tokens as REST, resolved by the
 * same authenticator. A bad or missing token fails the handshake with `unauthorized`, which
 * socket.io-client surfaces as a `connect_error` with that message.
 */
import type { Socket } from 'socket.io';
import type { Principal } from '../../auth/principal.js';
import { bearerToken, type TokenAuthenticator } from '../../auth/token-authenticator.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What the gateway keeps on each socket (visible to other nodes through fetchSockets). */
export interface SocketData {
  principal: Principal;
}

/** The token a client offered: `auth: {token}` first, then an Authorization header. */
export function handshakeToken(socket: Pick<Socket, 'handshake'>): string | null {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  if (typeof auth?.token === 'string' && auth.token.length > 0) return auth.token;
  return bearerToken(socket.handshake.headers.authorization);
}

/** Socket.IO middleware that sets `socket.data.principal` or refuses the connection. */
export function socketAuthenticator(authenticator: TokenAuthenticator, logger: Logger, metrics: GatewayMetrics) {
  return async (socket: Socket, next: (error?: Error) => void) => {
    const token = handshakeToken(socket);
    let principal: Principal | null = null;
    try {
      principal = token ? await authenticator.authenticate(token) : null;
    } catch (error) {
      logger.error({ err: error, socketId: socket.id }, 'socket authentication failed');
      metrics.connectionsTotal.inc({ outcome: 'unavailable' });
      next(new Error('unavailable'));
      return;
    }
    if (!principal) {
      metrics.connectionsTotal.inc({ outcome: 'unauthorized' });
      next(new Error('unauthorized'));
      return;
    }
    (socket.data as SocketData).principal = principal;
    metrics.connectionsTotal.inc({ outcome: 'accepted' });
    next();
  };
}
