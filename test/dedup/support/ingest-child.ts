/**
 * Child process for the crash test: ingests ROOT into the database at CHILD_DATABASE_URL with
 * tiny batches, so the parent can SIGKILL it between commits.
 */
import { openDatabase } from '../../../src/db/database.js';
import { dedupSettingsFromConfig } from '../../../src/tools/dedup/dedup-settings.js';
import { ingestTree } from '../../../src/tools/dedup/ingest.js';

const database = await openDatabase({ backend: 'postgres', url: process.env.CHILD_DATABASE_URL!, poolSize: 2 });
const settings = { ...dedupSettingsFromConfig({ DEDUP_DIR: process.env.CHILD_DEDUP_DIR! })!, workers: 1 };
await ingestTree(database, settings, { root: process.env.CHILD_ROOT!, snapshot: 'killed', batchSize: 5 });
await database.close();
