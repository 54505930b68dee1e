/**
 * Request ids and the access log, in one cheap middleware. pino-http built two or three
 * child loggers and serialised the whole request (headers included) for every request:
 * about 7 % of the CPU of `GET /api/conversations` under load (docs/performance.md). This
 * writes one flat line per request on the process logger instead, with the same message
 * and id, and never the headers (so no token can reach it).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logger.js';

const INCOMING_ID = /^[\w.-]{1,64}$/;

/**
 * Gives each request an id (a well-formed incoming `X-Request-Id`, else a new UUID), echoes
 * it in the response, and logs `request completed` (or `request errored` for 5xx, `request
 * aborted` when the client left first) once the response ends. Paths in `quiet` are not logged.
 */
export function requestLog(logger: Logger, quiet: ReadonlySet<string>) {
  return (request: Request, response: Response, next: NextFunction) => {
    const incoming = request.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    request.requestId = id;
    response.setHeader('X-Request-Id', id);
    if (!quiet.has(request.url)) {
      const started = performance.now();
      response.once('close', () => {
        const status = response.statusCode;
        const line = {
          requestId: id,
          userId: request.principal?.userId,
          req: { method: request.method, url: request.originalUrl },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        };
        if (!response.writableFinished) logger.info(line, 'request aborted');
        else if (status >= 500) logger.error(line, 'request errored');
        else logger.info(line, 'request completed');
      });
    }
    next();
  };
}
