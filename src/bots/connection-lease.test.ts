/**
 * The connection lease against a real Redis: exactly one of several nodes holds it, a stopped
 * holder hands over, a holder whose key was taken closes its connection; no Redis = held.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createConnectionLease, type ConnectionLease } from './connection-lease.js';

const logger = pino({ level: 'silent' });

/** Polls until `check` holds or the deadline passes. */
async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

/** Lease lifetime in these tests: long enough that a renewal delayed by a loaded CI machine does not hand over. */
const TTL_MS = 1_500;

function node(redis: Redis | undefined, name: string, nodeId: string, events: string[], registry?: Registry): ConnectionLease {
  return createConnectionLease({
    name,
    nodeId,
    redis,
    ttlMs: TTL_MS,
    logger,
    registry,
    onAcquired: () => {
      events.push(`${nodeId}:open`);
    },
    onReleased: () => {
      events.push(`${nodeId}:close`);
    },
  });
}

describe('connection lease without Redis', () => {
  it('is held at once and released on stop', async () => {
    const events: string[] = [];
    const lease = node(undefined, 'single', 'a', events);
    lease.start();
    assert.equal(lease.held, true);
    await lease.stop();
    assert.equal(lease.held, false);
    assert.deepEqual(events, ['a:open', 'a:close']);
  });
});

const skip = process.env.REDIS_URL ? false : 'set REDIS_URL to run the Redis lease tests';
describe('connection lease across nodes (Redis)', { skip }, () => {
  let redis: Redis;
  const clients: Redis[] = [];
  before(() => {
    redis = new Redis(process.env.REDIS_URL ?? '');
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    redis.disconnect();
  });
  const client = () => {
    const created = new Redis(process.env.REDIS_URL ?? '');
    clients.push(created);
    return created;
  };

  it('lets exactly one of three nodes hold it, and fails over when the holder stops', async () => {
    const name = `test-${randomUUID()}`;
    const events: string[] = [];
    const registry = new Registry();
    const leases = ['a', 'b', 'c'].map((id) => node(client(), name, id, events, id === 'a' ? registry : undefined));
    for (const lease of leases) lease.start();
    await eventually(() => leases.some((lease) => lease.held));
    await sleep(TTL_MS + 100); // more than a ttl: the others kept trying and must still be out
    assert.equal(leases.filter((lease) => lease.held).length, 1);
    const holder = leases.find((lease) => lease.held)!;
    await holder.stop();
    await eventually(() => leases.filter((lease) => lease.held).length === 1);
    const next = leases.find((lease) => lease.held)!;
    assert.notEqual(next, holder);
    await sleep(TTL_MS + 100);
    assert.equal(leases.filter((lease) => lease.held).length, 1);
    for (const lease of leases) await lease.stop();
    assert.equal(await redis.exists(`vigie:lease:${name}`), 0, 'the last holder released the key');
    assert.equal(events.filter((event) => event.endsWith(':open')).length, 2);
    assert.equal(events.filter((event) => event.endsWith(':close')).length, 2);
    assert.match(await registry.metrics(), /vigie_bot_connection_lease_held\{connection="[^"]+"\} 0/);
  });

  it('closes the connection when another node took the key (split brain ends within a renewal)', async () => {
    const name = `test-${randomUUID()}`;
    const events: string[] = [];
    const lease = node(client(), name, 'a', events);
    lease.start();
    await eventually(() => lease.held);
    await redis.set(`vigie:lease:${name}`, 'intruder', 'PX', 5_000);
    await eventually(() => !lease.held);
    assert.deepEqual(events, ['a:open', 'a:close']);
    await lease.stop();
    assert.equal(await redis.get(`vigie:lease:${name}`), 'intruder', 'stop never deletes a lease it does not hold');
    await redis.del(`vigie:lease:${name}`);
  });

  it('takes over from a holder that died without releasing (expiry)', async () => {
    const name = `test-${randomUUID()}`;
    await redis.set(`vigie:lease:${name}`, 'dead-node', 'PX', TTL_MS);
    const events: string[] = [];
    const lease = node(client(), name, 'b', events);
    lease.start();
    assert.equal(lease.held, false);
    await eventually(() => lease.held, 3 * TTL_MS);
    await lease.stop();
  });
});
