/**
 * Applies and rollbacks serialised per interface with real tc in a namespace: in one process
 * on every backend (PGlite: process lock), and across two "nodes" — two engines on two
 * connection pools to one PostgreSQL database — through advisory locks: no interleaving of
 * their tc commands, the final state is exactly one plan, both applications are recorded
 * coherently, a waiter past the bound fails busy having run nothing, and a confirm on one node
 * wins over the automatic revert waiting on the other (exactly one of them acts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/db/database.js';
import {
  createAdvisoryInterfaceLock,
  QosInterfaceBusyError,
  type InterfaceLock,
  type LockTarget,
} from '../../src/tools/qos/interface-lock.js';
import { QosEngine } from '../../src/tools/qos/qos-engine.js';
import { interfaceLockFor } from '../../src/tools/qos/qos-factory.js';
import { createPrismaQosStore } from '../../src/tools/qos/qos-store.js';
import type { CommandRunner } from '../../src/tools/qos/tc-runner.js';
import { canonicalState, type LiveState } from '../../src/tools/qos/tc-state.js';
import { verifyApplied } from '../../src/tools/qos/snapshot.js';
import { postgresBackend, testBackends } from '../support/test-databases.js';
import { qosLabSkip, useQosLab, type QosLab } from './qos-lab.js';

const skip = qosLabSkip('QoS serialisation tests');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A runner that logs which node ran each command and slows it, so unserialised work would interleave. */
function recording(inner: CommandRunner, node: string, log: string[], delayMs = 25): CommandRunner {
  return {
    namespace: inner.namespace,
    async run(binary, args, options) {
      log.push(`${node} ${binary} ${args.slice(0, 2).join(' ')}`);
      await sleep(delayMs);
      return inner.run(binary, args, options);
    },
  };
}

/** The nodes in the order they ran, collapsing consecutive commands of one node ("A","B" = no interleaving). */
function runs(log: string[]): string[] {
  return log.map((line) => line.split(' ')[0]!).filter((node, index, all) => index === 0 || all[index - 1] !== node);
}

/** True when `live` is exactly what `expected` describes: every item present, nothing more. */
function exactly(expected: Parameters<typeof verifyApplied>[0], live: LiveState): boolean {
  return (
    verifyApplied(expected, live).length === 0 &&
    live.classes.length === expected.classes.length &&
    live.filters.length === expected.filters.length &&
    live.qdiscs.filter((qdisc) => qdisc.handle !== '0:').length === expected.qdiscs.length
  );
}

/** A second connection pool to the database `database` uses: another node on the same PostgreSQL. */
async function peer(database: Database): Promise<Database> {
  const [{ name }] = (await database.sql.query<{ name: string }>('SELECT current_database() AS name')) as [{ name: string }];
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return openDatabase({ backend: 'postgres', url: url.toString(), poolSize: 3 });
}

/** Holds `target` through `lock` until release(); `acquired` settles once it really holds it. */
function hold(lock: InterfaceLock, target: LockTarget): { acquired: Promise<void>; release(): Promise<void> } {
  let held!: () => void;
  let release!: () => void;
  const acquired = new Promise<void>((resolve) => (held = resolve));
  const done = lock.run(target, () => {
    held();
    return new Promise<void>((resolve) => (release = resolve));
  });
  return { acquired, release: async () => (release(), await done) };
}

function node(qos: QosLab, database: Database, name: string, log: string[], lock: InterfaceLock = interfaceLockFor(database)): QosEngine {
  return new QosEngine(
    qos.engineOptions({ runner: recording(qos.runner(), name, log), store: createPrismaQosStore(database.prisma), lock }),
  );
}

for (const backend of testBackends()) {
  describe(`QoS applies in one process on ${backend.name}`, { skip, timeout: 120_000 }, () => {
    const qos = useQosLab();
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await database?.close();
    });

    it('serialises concurrent applies from one engine, in call order, each recorded with the previous one as its snapshot', async () => {
      const log: string[] = [];
      const engine = node(qos, database, 'A', log);
      const before = await qos.state();
      const results = await Promise.all(
        [5, 6, 7].map((rate) => engine.apply({ intent: `limit ssh to ${rate} Mbit/s on ${qos.lab.senderDevice}` })),
      );
      assert.deepEqual(
        results.map((result) => result.application.status),
        ['applied', 'applied', 'applied'],
      );
      assert.equal((await qos.state()).classes.find((item) => item.id === '1:10')?.ceil, 7e6, 'the last caller applied last');
      for (const [index, result] of results.entries()) {
        const stored = await database.prisma.qosApplication.findUniqueOrThrow({ where: { id: result.application.id } });
        const snapshot = (stored.snapshot as unknown as LiveState[])[0]!;
        if (index === 0) assert.equal(canonicalState(snapshot), canonicalState(before));
        else assert.ok(exactly(results[index - 1]!.plan.expected, snapshot), `application ${index} snapshotted application ${index - 1}`);
      }
      for (const result of results.reverse()) await engine.rollback(result.application.id);
      assert.equal(canonicalState(await qos.state()), canonicalState(before));
      engine.close();
    });

    it('gives a failed rollback its status back, and retries one left half-done by a node that died', async () => {
      let failBatches = false;
      const inner = qos.runner();
      const runner: CommandRunner = {
        namespace: inner.namespace,
        run: (binary, args, options) =>
          failBatches && args[0] === '-batch' ? Promise.reject(new Error('injected tc failure')) : inner.run(binary, args, options),
      };
      const store = createPrismaQosStore(database.prisma);
      const engine = new QosEngine(qos.engineOptions({ runner, store, lock: interfaceLockFor(database) }));
      const before = await qos.state();
      const applied = await engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` });
      failBatches = true;
      await assert.rejects(engine.rollback(applied.application.id), /injected tc failure/);
      const failed = await store.find(applied.application.id);
      assert.deepEqual([failed?.status, failed?.error], ['applied', 'rollback (requested) failed: injected tc failure']);
      failBatches = false;
      assert.equal(await store.transition(applied.application.id, ['applied'], { status: 'rolling_back' }), true); // a node claimed it, then died
      assert.equal((await engine.rollback(applied.application.id)).verified, true);
      assert.equal((await store.find(applied.application.id))?.status, 'rolled_back');
      assert.equal(canonicalState(await qos.state()), canonicalState(before));
      await assert.rejects(engine.rollback(applied.application.id), /cannot be rolled back: its status is rolled_back/);
      engine.close();
    });

    it('rolls back and re-arms reverts only on a node of the host whose tc state an application changed', async () => {
      const store = createPrismaQosStore(database.prisma);
      const here = new QosEngine(qos.engineOptions({ runner: qos.runner(), store, lock: interfaceLockFor(database), host: 'node-here' }));
      const elsewhere = new QosEngine(
        qos.engineOptions({ runner: qos.runner(), store, lock: interfaceLockFor(database), host: 'node-elsewhere' }),
      );
      const before = await qos.state();
      const applied = await here.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 600 });
      assert.equal(applied.application.host, 'node-here');
      const during = canonicalState(await qos.state());
      await assert.rejects(elsewhere.rollback(applied.application.id), /cannot be rolled back from this node.*host node-here/s);
      assert.equal(await elsewhere.resumePendingReverts(), 0, 'another host never arms a revert of this one');
      assert.equal(canonicalState(await qos.state()), during, 'the refused rollback changed nothing');
      assert.equal((await store.find(applied.application.id))?.status, 'pending_confirmation');
      assert.equal((await here.rollback(applied.application.id)).verified, true);
      assert.equal(canonicalState(await qos.state()), canonicalState(before));
      here.close();
      elsewhere.close();
    });

    it('fails an apply that waits past the bound with a busy error, running and recording nothing', async () => {
      const log: string[] = [];
      const lock = interfaceLockFor(database, 0.2);
      const engine = node(qos, database, 'A', log, lock);
      const holder = hold(lock, { interface: qos.lab.senderDevice, namespace: qos.lab.sender });
      await holder.acquired;
      const started = qos.statistics.processes;
      await assert.rejects(
        engine.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }),
        (error: unknown) => error instanceof QosInterfaceBusyError && new RegExp(`${qos.lab.senderDevice} is busy`).test(error.message),
      );
      assert.equal(qos.statistics.processes, started, 'no tc or ip ran');
      assert.deepEqual(log, []);
      assert.equal(
        await database.prisma.qosApplication.count({ where: { interface: qos.lab.senderDevice, status: { not: 'rolled_back' } } }),
        0,
      );
      await holder.release();
      engine.close();
    });
  });
}

const postgres = postgresBackend();

describe(
  'QoS applies from two nodes on one PostgreSQL',
  { skip: skip || (postgres ? false : 'set DATABASE_URL to run it'), timeout: 120_000 },
  () => {
    const qos = useQosLab();
    let first: Database;
    let second: Database;
    before(async () => {
      first = await postgres!.open();
      second = await peer(first);
    });
    after(async () => {
      await second?.close();
      await first?.close();
    });

    it('serialises concurrent applies on one interface: no interleaving, exactly one plan in force, both recorded coherently', async () => {
      const log: string[] = [];
      const [a, b] = [node(qos, first, 'A', log), node(qos, second, 'B', log)];
      const before = await qos.state();
      const [fromA, fromB] = await Promise.all([
        a.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }),
        b.apply({ intent: `garantir 20 Mbit/s pour la vidéo sur ${qos.lab.senderDevice}; limiter les sauvegardes à 10M` }),
      ]);
      const order = runs(log);
      assert.equal(order.length, 2, `tc/ip commands interleaved: ${order.join(' ')}`);
      const [earlier, later] = order[0] === 'A' ? [fromA, fromB] : [fromB, fromA];
      assert.ok(exactly(later.plan.expected, await qos.state()), 'the device holds exactly the plan applied last');
      assert.ok(!exactly(earlier.plan.expected, await qos.state()));

      const rows = await second.prisma.qosApplication.findMany({
        where: { interface: qos.lab.senderDevice },
        orderBy: { createdAt: 'asc' },
      });
      assert.deepEqual(
        rows.map((row) => [row.id, row.status]),
        [
          [earlier.application.id, 'applied'],
          [later.application.id, 'applied'],
        ],
      );
      assert.equal(canonicalState((rows[0]!.snapshot as unknown as LiveState[])[0]!), canonicalState(before));
      assert.ok(
        exactly(earlier.plan.expected, (rows[1]!.snapshot as unknown as LiveState[])[0]!),
        'the later application snapshotted the earlier one',
      );

      // Rollbacks work from either node, whoever applied.
      await (later === fromA ? b : a).rollback(later.application.id);
      assert.ok(exactly(earlier.plan.expected, await qos.state()));
      await (earlier === fromA ? b : a).rollback(earlier.application.id);
      assert.equal(canonicalState(await qos.state()), canonicalState(before));
      a.close();
      b.close();
    });

    it('fails a node that waits past the bound while another node holds the interface, and lets other interfaces through', async () => {
      const log: string[] = [];
      const target = { interface: qos.lab.senderDevice, namespace: qos.lab.sender };
      const holder = hold(createAdvisoryInterfaceLock(first.sql), target);
      await holder.acquired; // another node's transaction has the advisory lock
      const waiting = createAdvisoryInterfaceLock(second.sql, { waitMs: 300 });
      const b = node(qos, second, 'B', log, waiting);
      await assert.rejects(
        b.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }),
        (error: unknown) => error instanceof QosInterfaceBusyError && /another node sharing the database/.test(error.message),
      );
      assert.deepEqual(log, [], 'nothing ran on the waiting node');
      assert.equal(await waiting.run({ ...target, interface: 'vqother0' }, async () => 'free'), 'free');
      const otherMachine = createAdvisoryInterfaceLock(second.sql, { waitMs: 300, identity: async () => 'boot:another-machine/net:[1]' });
      assert.equal(
        await otherMachine.run(target, async () => 'free'),
        'free',
        'the same interface name on another machine is another lock',
      );
      await holder.release();
      const applied = await b.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` });
      assert.equal(applied.application.status, 'applied');
      await b.rollback(applied.application.id);
      b.close();
    });

    it('lets a confirm on one node win over the automatic revert waiting on another, and reverts exactly once otherwise', async () => {
      const log: string[] = [];
      const [a, b] = [node(qos, first, 'A', log), node(qos, second, 'B', log)];
      const before = await qos.state();
      const target = { interface: qos.lab.senderDevice, namespace: qos.lab.sender };
      const holdWhile = async (during: () => Promise<void>) => {
        const holder = hold(createAdvisoryInterfaceLock(second.sql), target);
        await holder.acquired;
        await during();
        await holder.release();
      };

      // A's revert fires while a third party holds the interface; B confirms meanwhile.
      const kept = await a.apply({ intent: `limit ssh to 5 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 0.5 });
      await holdWhile(async () => {
        await sleep(800); // past the deadline: A's revert is waiting for the interface
        assert.equal((await b.confirm(kept.application.id)).status, 'confirmed');
      });
      await sleep(500);
      assert.equal((await first.prisma.qosApplication.findUniqueOrThrow({ where: { id: kept.application.id } })).status, 'confirmed');
      assert.ok(exactly(kept.plan.expected, await qos.state()), 'the confirmed change stayed');
      await b.rollback(kept.application.id);

      // Unconfirmed: A's timer and a manual rollback on B race for the interface; exactly one restores.
      const reverted = await a.apply({ intent: `limit ssh to 6 Mbit/s on ${qos.lab.senderDevice}` }, { confirmWithinSeconds: 0.5 });
      log.length = 0;
      let manual: Promise<unknown> = Promise.resolve();
      await holdWhile(async () => {
        await sleep(800);
        manual = b.rollback(reverted.application.id).then(
          () => 'B restored',
          (error: Error) => error.message,
        );
        await sleep(100);
      });
      const outcome = await manual;
      for (
        let waited = 0;
        waited < 5_000 &&
        (await first.prisma.qosApplication.findUniqueOrThrow({ where: { id: reverted.application.id } })).status !== 'rolled_back';
        waited += 100
      )
        await sleep(100);
      const row = await first.prisma.qosApplication.findUniqueOrThrow({ where: { id: reverted.application.id } });
      assert.equal(row.status, 'rolled_back');
      assert.match(row.error ?? '', /^rolled back: (requested|not confirmed in time)$/);
      assert.equal(log.filter((line) => line.includes('tc -batch')).length, 1, `one restore batch, got: ${log.join(', ')}`);
      assert.ok(
        outcome === 'B restored' ? row.error === 'rolled back: requested' : /cannot be rolled back/.test(String(outcome)),
        String(outcome),
      );
      assert.equal(canonicalState(await qos.state()), canonicalState(before));
      a.close();
      b.close();
    });
  },
);
