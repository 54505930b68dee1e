/**
 * The running version, read from package.json once (shown on /health and in the docs).
 */
import { readFileSync } from 'node:fs';

/** package.json's version. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
