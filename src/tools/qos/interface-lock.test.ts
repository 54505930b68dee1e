/**
 * The in-process interface lock (order, bounded wait, release on failure), the advisory-lock
 * key and tc scope identity, and QOS_LOCK_WAIT_SECONDS parsing. The cross-node lock on
 * PostgreSQL is tested with real tc in test/qos/qos-nodes.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProcessInterfaceLock, interfaceLockKey, QosInterfaceBusyError, tcScopeIdentity } from './interface-lock.js';
import { interfaceLockFor, qosSettingsFromEnvironment } from './qos-factory.js';

function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('process interface lock', () => {
  it('runs work on one interface one at a time, in call order', async () => {
    const lock = createProcessInterfaceLock();
    const events: string[] = [];
    const work = (name: string, ms: number) => async () => {
      events.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`${name}-`);
      return name;
    };
    const results = await Promise.all([
      lock.run({ interface: 'eth1' }, work('a', 30)),
      lock.run({ interface: 'eth1' }, work('b', 1)),
      lock.run({ interface: 'eth1' }, work('c', 10)),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(events, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('does not serialise different interfaces or namespaces', async () => {
    const lock = createProcessInterfaceLock({ waitMs: 200 });
    const held = gate();
    const holder = lock.run({ interface: 'eth1' }, () => held.opened);
    assert.equal(await lock.run({ interface: 'eth2' }, async () => 'other interface'), 'other interface');
    assert.equal(await lock.run({ interface: 'eth1', namespace: 'vqlab' }, async () => 'other namespace'), 'other namespace');
    held.open();
    await holder;
  });

  it('releases the interface when the work fails', async () => {
    const lock = createProcessInterfaceLock({ waitMs: 1_000 });
    await assert.rejects(
      lock.run({ interface: 'eth1' }, async () => Promise.reject(new Error('tc failed'))),
      /tc failed/,
    );
    assert.equal(await lock.run({ interface: 'eth1' }, async () => 'next'), 'next');
  });

  it('fails a waiter past the bound with a busy error, runs nothing for it, and keeps the queue order', async () => {
    const lock = createProcessInterfaceLock({ waitMs: 100 });
    const held = gate();
    const order: string[] = [];
    const holder = lock.run({ interface: 'eth1' }, async () => {
      await held.opened;
      order.push('holder');
    });
    let ran = false;
    const late = lock.run({ interface: 'eth1' }, async () => {
      ran = true;
    });
    await assert.rejects(
      late,
      (error: unknown) =>
        error instanceof QosInterfaceBusyError &&
        error.code === 'qos_interface_busy' &&
        error.status === 409 &&
        /eth1 is busy.*within 0\.1 s; nothing was changed, try again/.test(error.message),
    );
    const next = lock.run({ interface: 'eth1' }, async () => void order.push('next'));
    held.open();
    await Promise.all([holder, next]);
    assert.equal(ran, false);
    assert.deepEqual(order, ['holder', 'next']);
  });
});

describe('interface lock keys and scope', () => {
  it('keys an interface by tc scope, as a 32-bit integer', () => {
    const key = interfaceLockKey('boot:x/net:[1]', 'eth1');
    assert.ok(Number.isInteger(key) && key >= -(2 ** 31) && key < 2 ** 31);
    assert.equal(interfaceLockKey('boot:x/net:[1]', 'eth1'), key);
    assert.notEqual(interfaceLockKey('boot:x/net:[1]', 'eth2'), key);
    assert.notEqual(interfaceLockKey('boot:y/net:[1]', 'eth1'), key, 'another machine shaping its own eth1');
    assert.notEqual(interfaceLockKey('boot:x/net:[2]', 'eth1'), key, 'another network namespace');
  });

  it('identifies the kernel and the network namespace tc would change', async () => {
    const self = await tcScopeIdentity();
    assert.match(self, /^(boot:[0-9a-f-]{36}|host:.+)\/(net:\[\d+\]|net:self)$/);
    assert.equal(await tcScopeIdentity(), self);
    const missing = await tcScopeIdentity('vq-never-created');
    assert.match(missing, /\/netns-name:vq-never-created$/);
    assert.equal(missing.split('/')[0], self.split('/')[0]);
  });

  it('uses this process only without PostgreSQL', () => {
    assert.equal(interfaceLockFor(undefined).scope, 'process');
  });
});

describe('QOS_LOCK_WAIT_SECONDS', () => {
  it('defaults to 60 s and accepts whole seconds up to 100', () => {
    assert.equal(qosSettingsFromEnvironment({}).QOS_LOCK_WAIT_SECONDS, 60);
    assert.equal(qosSettingsFromEnvironment({ QOS_LOCK_WAIT_SECONDS: '5' }).QOS_LOCK_WAIT_SECONDS, 5);
  });

  it('refuses nonsense, zero and waits longer than the tool timeouts', () => {
    for (const value of ['abc', '0', '-3', '1.5', '101', '3600']) {
      assert.throws(
        () => qosSettingsFromEnvironment({ QOS_LOCK_WAIT_SECONDS: value }),
        /QOS_LOCK_WAIT_SECONDS[\s\S]*(expected number|expected int|Too small|Too big)/,
        value,
      );
    }
  });
});
