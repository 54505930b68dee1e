/**
 * PostgreSQL stopped and restarted under traffic (a private server on a port of this
 * helper's range): while down every request answers 503 `unavailable` with Retry-After,
 * never 500; after it returns the app recovers on its own, and every request that was
 * acknowledged (2xx) has its execution and audit events stored: nothing acked and lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openMigratedDatabase, type Database } from '../../src/db/database.js';
import { apiClient } from '../support/http-client.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PORT = Number(process.env.VIGIE_OUTAGE_PG_PORT ?? 23_541);

describe(
  'PostgreSQL outage',
  { timeout: 120_000, skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL binaries (runs with DATABASE_URL set)' },
  () => {
    let server: PrivatePostgres;
    let database: Database;
    let harness: TestApp;
    before(async () => {
      server = await startPrivatePostgres(PORT);
      database = (await openMigratedDatabase({ backend: 'postgres', url: server.url, poolSize: 5 })).database;
      harness = await startTestApp(database);
    });
    after(async () => {
      await harness?.close();
      await database?.close().catch(() => undefined);
      await server?.destroy();
    });

    it('answers 503 while down, recovers after, and loses nothing it acknowledged', async () => {
      const viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      const tally = { sent: 0, acked: 0, unavailable: 0, other: [] as string[] };
      const acked: string[] = [];
      const wave = async (size: number) => {
        const responses = await Promise.all(Array.from({ length: size }, () => viewer.post('/api/commands', { text: 'status' })));
        for (const response of responses) {
          tally.sent += 1;
          if (response.status === 200) {
            tally.acked += 1;
            acked.push(response.body.id);
          } else if (response.status === 503 && response.body?.error?.code === 'unavailable' && response.headers.get('retry-after'))
            tally.unavailable += 1;
          else tally.other.push(`${response.status} ${response.text.slice(0, 120)}`);
        }
      };
      await wave(20);
      const stopping = server.stop();
      await Promise.all([wave(20), stopping]);
      await wave(20); // fully down
      // Reads the viewer may make (an admin-only route is refused 403 from the cached principal, before any query).
      const reads = await Promise.all(['/api/conversations', '/api/executions', '/api/documents'].map((path) => viewer.get(path)));
      for (const read of reads) assert.equal(read.status, 503, read.text);
      await server.start();
      // Recovery on its own: the pool reconnects on the next request.
      let recovered = false;
      for (let attempt = 0; attempt < 50 && !recovered; attempt += 1) {
        recovered = (await viewer.post('/api/commands', { text: 'status' })).status === 200;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(recovered, 'the app recovered once PostgreSQL was back');
      await wave(20);
      const storedEvents = await database.prisma.auditEvent.count({ where: { executionId: { in: acked }, action: 'execution.succeeded' } });
      const lost = acked.length - storedEvents;
      console.log(
        `# PostgreSQL outage: sent ${tally.sent}, acked ${tally.acked}, 503 ${tally.unavailable}, other ${tally.other.length}, lost ${lost}`,
      );
      assert.deepEqual(tally.other, [], 'no 500 or other failures: only 200 or 503 unavailable');
      assert.ok(tally.unavailable >= 20, 'the wave sent while down was answered 503');
      assert.equal(lost, 0);
    });
  },
);
