/**
 * REDIS_SENTINELS / REDIS_SENTINEL_NAME / REDIS_SENTINEL_PASSWORD (issue #20): good values
 * parse into a Sentinel target, hostile ones are refused when the configuration loads, and
 * the client factory turns a target into the ioredis options every client gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';
import { createRedisClient, reconnectDelay, MAX_RECONNECT_DELAY_MS } from './redis.js';
import { describeRedisTarget, MAX_SENTINELS, parseSentinelAddress, redisTargetFromConfig } from './redis-target.js';

function refused(env: Record<string, string>, variable: string): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, new RegExp(`${variable}:`));
    return error.message;
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
}

describe('Redis Sentinel configuration', () => {
  it('is off by default: REDIS_URL alone is the target, the master name defaults to mymaster', () => {
    const config = loadConfig({ REDIS_URL: 'redis://cache:6379' });
    assert.equal(config.REDIS_SENTINELS, undefined);
    assert.equal(config.REDIS_SENTINEL_NAME, 'mymaster');
    assert.equal(redisTargetFromConfig(config), 'redis://cache:6379');
    assert.equal(redisTargetFromConfig(loadConfig({})), undefined);
    assert.equal(loadConfig({ REDIS_SENTINELS: '  ', REDIS_SENTINEL_PASSWORD: '' }).REDIS_SENTINELS, undefined);
  });

  it('parses host:port lists (names, IPv4, bracketed IPv6, spaces around commas)', () => {
    const config = loadConfig({
      REDIS_SENTINELS: '10.0.0.5:26379, sentinel-2.internal:26380 ,[::1]:26381',
      REDIS_SENTINEL_NAME: 'vigie-master',
      REDIS_SENTINEL_PASSWORD: 's3cret pass',
      REDIS_URL: 'redis://:masterpw@ignored:6379/2',
    });
    const target = redisTargetFromConfig(config);
    assert.deepEqual(target, {
      sentinels: [
        { host: '10.0.0.5', port: 26379 },
        { host: 'sentinel-2.internal', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'vigie-master',
      sentinelPassword: 's3cret pass',
      url: 'redis://:masterpw@ignored:6379/2',
    });
    assert.equal(describeRedisTarget(target!), 'sentinel master "vigie-master" via 10.0.0.5:26379,sentinel-2.internal:26380,[::1]:26381');
    assert.equal(describeRedisTarget('redis://user:pw@cache:6379'), 'redis://***@cache:6379');
  });

  it('refuses hostile and malformed sentinel lists at load time', () => {
    const hostile = [
      'host:26379\u0000',
      'ho\u0000st:26379',
      '\ud800:26379',
      'host\ud800:1',
      'host',
      ':26379',
      'host:',
      'host:0',
      'host:65536',
      'host:99999999',
      'host:-1',
      'host:26379,',
      ',host:26379',
      'a:1,,b:2',
      'host:26379:1',
      '::1:26379',
      '[::1]26379',
      '[not-v6]:26379',
      'redis://host:26379',
      'user@host:26379',
      'host/path:26379',
      'host :26379',
      '-host:1',
      'host-:1',
      '1.2.3.4.5:1',
      '256.1.1.1:1',
      '999:1',
      'x'.repeat(254) + ':1',
      `${'a'.repeat(64)}.com:1`,
      'a:1,a:1',
      'A:1,a:1',
      Array.from({ length: MAX_SENTINELS + 1 }, (_, index) => `s${index}:26379`).join(','),
      'h:1,'.repeat(2_000),
    ];
    for (const value of hostile) refused({ REDIS_SENTINELS: value }, 'REDIS_SENTINELS');
    assert.equal(parseSentinelAddress('localhost:26379')?.host, 'localhost');
    assert.equal(parseSentinelAddress(`${'a'.repeat(63)}.com:1`)?.port, 1);
  });

  it('refuses hostile master names and sentinel passwords (the password is never echoed)', () => {
    for (const value of ['my master', 'name\u0000', '\ud800', 'x'.repeat(65), '-dash', 'a/b', 'ünïcode', 'a\nb'])
      refused({ REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_NAME: value }, 'REDIS_SENTINEL_NAME');
    for (const value of ['pw\u0000', 'pw\r\nAUTH x', '\ud800', 'p\u007f', 'x'.repeat(513)]) {
      const message = refused({ REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_PASSWORD: value }, 'REDIS_SENTINEL_PASSWORD');
      assert.match(message, /value hidden/);
      assert.ok(!message.includes('pw'));
    }
    assert.equal(loadConfig({ REDIS_SENTINEL_PASSWORD: 'ok-Ünïcode €' }).REDIS_SENTINEL_PASSWORD, 'ok-Ünïcode €');
  });
});

describe('createRedisClient', () => {
  it('builds a Sentinel client with the master credentials, db and TLS from REDIS_URL', () => {
    const client = createRedisClient(
      { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'm1', sentinelPassword: 'sp', url: 'rediss://u%40x:p%3Aw@ignored:6379/3' },
      { lazyConnect: true, maxRetriesPerRequest: null, sentinelRetryStrategy: () => null },
    );
    try {
      const options = client.options;
      assert.deepEqual(options.sentinels, [{ host: '127.0.0.1', port: 26379 }]);
      assert.equal(options.name, 'm1');
      assert.equal(options.sentinelPassword, 'sp');
      assert.equal(options.username, 'u@x');
      assert.equal(options.password, 'p:w');
      assert.equal(options.db, 3);
      assert.equal(options.enableTLSForSentinelMode, true);
      // Off on purpose (src/redis.ts): its disconnect can end a reconnecting client for good.
      assert.equal(options.failoverDetector, false);
      assert.equal(options.maxRetriesPerRequest, null);
      // The caller's option wins over the default.
      assert.equal(options.sentinelRetryStrategy?.(1), null);
      assert.equal(options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica.")), 2);
      assert.equal(options.reconnectOnError?.(new Error('ERR other')), false);
      // Duplicates (the socket adapter's connections) keep the Sentinel target.
      const duplicate = client.duplicate({ lazyConnect: true });
      assert.equal(duplicate.options.name, 'm1');
      assert.deepEqual(duplicate.options.sentinels, [{ host: '127.0.0.1', port: 26379 }]);
      duplicate.disconnect();
    } finally {
      client.disconnect();
    }
  });

  it('keeps a plain URL client a single-node client, reconnecting within a second', () => {
    const client = createRedisClient('redis://127.0.0.1:1/4', { lazyConnect: true });
    try {
      assert.equal(client.options.sentinels, null);
      assert.equal(client.options.db, 4);
      assert.equal(client.options.retryStrategy?.(1_000), MAX_RECONNECT_DELAY_MS);
      assert.equal(reconnectDelay(1), 100);
    } finally {
      client.disconnect();
    }
  });
});
