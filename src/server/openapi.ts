/**
 * /openapi.json (generated from the same zod schemas the routes validate with) and /docs
 * (Swagger UI served from the swagger-ui-dist package: this machine has no CDN).
 */
import express, { type Router } from 'express';
import { OpenApiGeneratorV31, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Builds the OpenAPI 3.1 document once. */
export function buildOpenApiDocument(registry: OpenAPIRegistry, version: string) {
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Vigie API',
      version,
      description:
        'Real-time chat and ops bot platform. Authenticate with `Authorization: Bearer <token>`. Errors share one shape: `{"error":{"code","message","details"}}`.',
    },
    servers: [{ url: '/' }],
  });
}

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true, validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
};`;

/**
 * swagger-ui-dist's folder of static assets. Its main module require()s the 1.5 MB browser
 * bundle (~40 MB of RSS in Node) only to expose this path: resolve the package instead.
 */
function swaggerUiDirectory(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * Serves the document and the UI. The document is generated at its first request, not at
 * start-up (generating it walks every route's schemas: issue 17), then kept.
 */
export function openApiRouter(document: () => unknown): Router {
  const router = express.Router();
  let body: string | undefined;
  router.get('/openapi.json', (_request, response) => {
    body ??= JSON.stringify(document());
    response.type('application/json').send(body);
  });
  router.get('/docs/swagger-initializer.js', (_request, response) => {
    response.type('application/javascript').send(INITIALIZER);
  });
  router.get('/docs', (request, response, next) => {
    if (!request.originalUrl.endsWith('/') && !request.originalUrl.includes('?')) return response.redirect(301, '/docs/');
    next();
  });
  router.use('/docs', express.static(swaggerUiDirectory(), { index: 'index.html', maxAge: '1h' }));
  return router;
}
