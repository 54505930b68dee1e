// Bundles the browser console (src/console) with esbuild into a static folder: index.html,
// console.css and one console.js (socket.io-client included, no CDN, no inline script, so
// it runs under the app's Content-Security-Policy). Used by scripts/build.mjs and tests.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build` puts the console, and where the app serves it from by default. */
export const CONSOLE_OUTPUT = path.join(root, 'dist', 'console');

/** Bundles the console into `outputDirectory`; resolves when written. */
export async function bundleConsole(outputDirectory = CONSOLE_OUTPUT, { minify = true } = {}) {
  const { build } = await import('esbuild');
  const source = path.join(root, 'src', 'console');
  mkdirSync(outputDirectory, { recursive: true });
  await build({
    entryPoints: [path.join(source, 'main.ts')],
    outfile: path.join(outputDirectory, 'console.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // One console.css: the entry imports its parts (layout, result views), inlined here.
  await build({
    entryPoints: [path.join(source, 'console.css')],
    outfile: path.join(outputDirectory, 'console.css'),
    bundle: true,
    minify,
    logLevel: 'warning',
  });
  copyFileSync(path.join(source, 'index.html'), path.join(outputDirectory, 'index.html'));
  // uPlot's stylesheet (charts in result views), served as a file: the CSP allows no inline styles.
  copyFileSync(path.join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), path.join(outputDirectory, 'uplot.css'));
  return outputDirectory;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2] ? path.resolve(process.argv[2]) : CONSOLE_OUTPUT;
  await bundleConsole(target);
  console.log(`console bundled into ${path.relative(root, target) || '.'}`);
}
