/**
 * Security headers that fit the request's scheme. Over plain HTTP (a LAN address or a host
 * name without TLS) the browser must not be told to upgrade sub-resources to HTTPS or to
 * remember HSTS, or the console and /docs load blank; over HTTPS (directly, or
 * `X-Forwarded-Proto: https` from a proxy trusted with TRUST_PROXY) both are sent.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

const DIRECTIVES = {
  'script-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'", 'ws:', 'wss:'],
};

/**
 * One helmet for HTTPS (upgrade-insecure-requests, HSTS) and one for plain HTTP (neither;
 * no Cross-Origin-Opener-Policy either, which browsers ignore with a console error on an
 * untrustworthy origin). `request.secure` honours X-Forwarded-Proto only behind TRUST_PROXY.
 */
export function securityHeaders(): RequestHandler {
  const secure = helmet({ contentSecurityPolicy: { directives: { ...DIRECTIVES, 'upgrade-insecure-requests': [] } } });
  const plain = helmet({
    contentSecurityPolicy: { directives: { ...DIRECTIVES, 'upgrade-insecure-requests': null } },
    strictTransportSecurity: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
  });
  return (request: Request, response: Response, next: NextFunction) => (request.secure ? secure : plain)(request, response, next);
}
