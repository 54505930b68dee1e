/**
 * Runs the real `vigie` CLI from source (no build), for tests that spawn it as a child.
 */
import { runCli } from '../../../src/cli/main.js';

await runCli(process.argv);
