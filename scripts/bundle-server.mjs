// Bundles the server's start-up path with esbuild (issue 17): `vigie start` otherwise loads
// ~800 separate ES modules and CommonJS files (our ~370 compiled files, zod's ~95, prom-client
// and its OpenTelemetry API, express, socket.io…), and resolving, reading and compiling them
// one by one was most of a warm restart. Used by scripts/build.mjs on the freshly compiled tree.
//
// What it writes, over the tsc output in `distDirectory` (which stays whole beside it):
// - cli/main.js and cli/start-command.js, the two entries bin/vigie.js imports;
// - chunks/*.js, the code they share and what they import lazily (`import('../main.js')`…).
// Every output sits two folders below the root (cli/, chunks/), so each bundled module's
// `import.meta.url` (and a CommonJS file's __dirname / __filename) is rewritten to the file it
// came from, relative to that root: migrations, package.json, the console assets and worker
// files resolve exactly as from the unbundled tree.
//
// Packages: only those imported on the start-up path (START_PACKAGES) are bundled, with their
// own dependencies; every other package stays an ordinary import from node_modules and loads
// when (and only if) the code that needs it runs, as before. NEVER_BUNDLED lists packages that
// load files of their own at run time (WebAssembly, native addons, workers, static assets).
import { readFile } from 'node:fs/promises';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Packages our code imports on the way to /health: bundled with their dependencies. */
const START_PACKAGES = new Set([
  'zod',
  'prom-client',
  'express',
  'commander',
  'rate-limiter-flexible',
  '@asteasolutions/zod-to-openapi',
  'socket.io',
  '@socket.io/redis-adapter',
  'i18next',
  'helmet',
  'busboy',
  // The Prisma runtime the generated client imports (208 kB of self-contained CommonJS, no
  // files of its own: Node's CommonJS export scan of it alone was ~0.1 s). Its query compiler
  // (WebAssembly) is imported lazily and stays unbundled.
  '@prisma/client',
]);

/** Packages that must be loaded from node_modules whoever imports them. */
const NEVER_BUNDLED = [
  /^@electric-sql\//, // PGlite: its .wasm, .data and extension tarballs next to its modules
  /^@prisma\/client\/runtime\/query_compiler/, // the query compiler (WebAssembly), imported lazily anyway
  /^@prisma\/client$/, // the CLI-side entry (generates clients); the runtime is bundled
  /^@prisma\/adapter-pg$/,
  /^pglite-prisma-adapter$/,
  // pg bundled (directly or through @prisma/adapter-pg) sent an object as a start-up parameter
  // and every connection failed: it stays a plain import.
  /^pg($|-)/,
  /^pino($|-)/, // pino and its transports start worker threads from their own files
  /^thread-stream$/,
  /^swagger-ui-dist$/,
  /^node-llama-cpp$/,
  /^pg-native$/, // optional native bindings, absent here
  /^pg-cloudflare$/,
  /^bufferutil$/,
  /^utf-8-validate$/,
  /^esbuild$/,
  /^tsx($|\/)/,
  /^typescript$/,
];

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBare = (specifier) =>
  !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:') && !specifier.startsWith('file:');

/** Decides, per bare import, whether it is bundled or left to node_modules. */
function startPathPlugin() {
  return {
    name: 'vigie-start-path',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!isBare(args.path) || args.kind === 'entry-point') return undefined;
        const name = packageName(args.path);
        if (NEVER_BUNDLED.some((pattern) => pattern.test(args.path))) return { path: args.path, external: true };
        const fromPackage = args.importer.includes(`${path.sep}node_modules${path.sep}`);
        // Our code: only the start-up packages; a lazily imported package stays lazy and unbundled.
        if (!fromPackage && (!START_PACKAGES.has(name) || args.kind === 'dynamic-import')) return { path: args.path, external: true };
        return undefined;
      });
    },
  };
}

/** Rewrites import.meta.url, __dirname and __filename to the module's own file (see above). */
function ownLocationPlugin(distDirectory) {
  return {
    name: 'vigie-own-location',
    setup(build) {
      build.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        const relative = path.relative(distDirectory, args.path).split(path.sep).join('/');
        const isCommonJs = /\bmodule\.exports\b|\bexports\.\w+\s*=|\brequire\(/.test(contents) && !/^\s*(import|export)\s/m.test(contents);
        if (contents.includes('import.meta.url'))
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, __vigieRoot).href`);
        if (isCommonJs && /\b__(dirname|filename)\b/.test(contents)) {
          const directory = path.posix.dirname(relative);
          contents =
            `var __filename = __vigieFileURLToPath(new URL(${JSON.stringify(relative)}, __vigieRoot));` +
            `var __dirname = __vigieFileURLToPath(new URL(${JSON.stringify(`${directory}/`)}, __vigieRoot)).replace(/[\\\\/]$/, '');` +
            contents;
        }
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** Bundles the start-up path of the compiled tree in `distDirectory` (see the header). */
export async function bundleServer(distDirectory) {
  const { build } = await import('esbuild');
  const output = mkdtempSync(path.join(path.dirname(distDirectory), '.bundle-server-'));
  try {
    await build({
      entryPoints: ['cli/main.js', 'cli/start-command.js'].map((entry) => path.join(distDirectory, entry)),
      outdir: output,
      outbase: distDirectory,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Two folders down (cli/, chunks/): the root is '../'. A `require` for the CommonJS inside.
      banner: {
        js: [
          "import { createRequire as __vigieCreateRequire } from 'node:module';",
          "import { fileURLToPath as __vigieFileURLToPath } from 'node:url';",
          "const __vigieRoot = new URL('../', import.meta.url);",
          'const require = __vigieCreateRequire(import.meta.url);',
        ].join(' '),
      },
      plugins: [startPathPlugin(), ownLocationPlugin(distDirectory)],
      legalComments: 'none',
      logLevel: 'error',
    });
    cpSync(output, distDirectory, { recursive: true });
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}
