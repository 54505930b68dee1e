/**
 * A Vigie node in its own process for the schedule cluster test: the real app on the
 * PostgreSQL database NODE_DATABASE_URL with BullMQ schedule timers on REDIS_URL (prefix
 * NODE_REDIS_PREFIX) and the probe tool, which prints `executing <target>` when a run starts
 * and then takes PROBE_DELAY_MS, so the test can SIGKILL the node in the middle of a run.
 */
import { openDatabase } from '../../../src/db/database.js';
import { startTestApp } from '../../support/test-app.js';
import { probeToolset, type ProbeState } from './probe-toolset.js';

const node = process.env.NODE_NAME ?? 'child';
const database = await openDatabase({ backend: 'postgres', url: process.env.NODE_DATABASE_URL!, poolSize: 3 });
const state: ProbeState = {
  down: new Set(),
  executed: [],
  delayMs: Number(process.env.PROBE_DELAY_MS ?? 0),
  onExecute: (target) => process.stdout.write(`executing ${target}\n`),
};
const harness = await startTestApp(database, {
  tools: { toolsets: [probeToolset(state, node)] },
  incidents: {
    schedules: {
      redisUrl: process.env.REDIS_URL!,
      redisPrefix: process.env.NODE_REDIS_PREFIX!,
      // Long enough that a node slowed by a loaded machine still renews its lock (a false stall twice over would fail the
      // job), short enough that the survivor takes the slot over within seconds of the SIGKILL.
      lockMs: 5_000,
      minIntervalMs: 1_000,
      watchdogMs: 3_600_000,
      node,
    },
  },
});
await harness.app.incidents.schedules.start();
process.stdout.write('ready\n');
