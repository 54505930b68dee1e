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

/** The headers one helmet instance sets: it depends on its options only, so it is computed once. */
function recordHeaders(middleware: RequestHandler): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let completed = false;
  middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    completed = true;
  });
  if (!completed) throw new Error('helmet did not complete synchronously');
  return headers;
}

/**
 * One header set for HTTPS (upgrade-insecure-requests, HSTS) and one for plain HTTP (neither;
 * no Cross-Origin-Opener-Policy either, which browsers ignore with a console error on an
 * untrustworthy origin). `request.secure` honours X-Forwarded-Proto only behind TRUST_PROXY.
 * helmet computes them once at start-up; each request then only copies them (helmet's chain
 * of a dozen middlewares per request was measurable on the hot paths).
 */
export function securityHeaders(): RequestHandler {
  const secure = recordHeaders(helmet({ contentSecurityPolicy: { directives: { ...DIRECTIVES, 'upgrade-insecure-requests': [] } } }));
  const plain = recordHeaders(
    helmet({
      contentSecurityPolicy: { directives: { ...DIRECTIVES, 'upgrade-insecure-requests': null } },
      strictTransportSecurity: false,
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
    }),
  );
  return (request: Request, response: Response, next: NextFunction) => {
    for (const [name, value] of request.secure ? secure : plain) response.setHeader(name, value);
    // What helmet's hidePoweredBy does (the app also disables x-powered-by).
    response.removeHeader('X-Powered-By');
    next();
  };
}
