/**
 * Serves the bundled live console at `/`. The bundle is static (built by scripts/build.mjs
 * with esbuild), so it runs under the app's strict Content-Security-Policy: one script file
 * from the same origin, no inline code, no CDN. When it has not been built, `/` says how.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** dist/console at the repository root, whether running from src (tsx) or dist. */
export const DEFAULT_CONSOLE_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/console');

/** The router serving the console files from `directory`. */
export function consoleRouter(directory: string = DEFAULT_CONSOLE_DIRECTORY): Router {
  const router = express.Router();
  router.use(
    express.static(directory, {
      index: 'index.html',
      fallthrough: true,
      setHeaders(response, file) {
        if (file.endsWith('.html')) response.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  // The login form's native submit (before the script loads) posts nothing: back to the console.
  router.post('/', (_request, response) => response.redirect(303, '/'));
  router.get('/', (_request, response) => {
    const built = existsSync(path.join(directory, 'index.html'));
    response
      .status(503)
      .type('text/plain')
      .send(
        built ? 'Console unavailable' : 'The web console is not built yet: run `npm run build` (or `node scripts/bundle-console.mjs`).',
      );
  });
  return router;
}
