/**
 * Configuration parsing: defaults, coercion, and one clear message naming each bad variable
 * without echoing secrets.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults on an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.HOST, '0.0.0.0');
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.REDIS_URL, undefined);
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.AUTO_MIGRATE, true);
    assert.equal(config.dataDir, path.resolve('./data'));
  });

  it('parses and coerces values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://vigie@db:5432/vigie',
      REDIS_URL: 'redis://cache:6379',
      LOG_LEVEL: 'debug',
      AUTO_MIGRATE: 'false',
      DATA_DIR: '/var/lib/vigie',
      ADMIN_TOKEN: 'x'.repeat(32),
    });
    assert.equal(config.PORT, 8080);
    assert.equal(config.DATABASE_URL, 'postgresql://vigie@db:5432/vigie');
    assert.equal(config.AUTO_MIGRATE, false);
    assert.equal(config.dataDir, '/var/lib/vigie');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '  ', ADMIN_TOKEN: '' });
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.REDIS_URL, undefined);
    assert.equal(config.ADMIN_TOKEN, undefined);
  });

  it('names every bad variable in one message and hides secret values', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'short-secret' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const message = (error as Error).message;
      assert.match(message, /^Invalid configuration:/);
      assert.match(message, /PORT: .*\(got "abc"\)/);
      assert.match(message, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
      assert.match(message, /LOG_LEVEL/);
      assert.match(message, /ADMIN_TOKEN: must be at least 24 characters \(value hidden\)/);
      assert.ok(!message.includes('short-secret'));
    }
  });

  it('rejects out-of-range ports', () => {
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
    assert.throws(() => loadConfig({ BODY_LIMIT: 'lots' }), /BODY_LIMIT: must look like 100kb or 1mb/);
  });

  it('takes the embedded database memory as a PostgreSQL size and refuses anything else', () => {
    assert.equal(loadConfig({}).PGLITE_SHARED_BUFFERS, '16MB');
    assert.equal(loadConfig({ PGLITE_SHARED_BUFFERS: '512kB' }).PGLITE_SHARED_BUFFERS, '512kB');
    for (const bad of ['16', '0MB', '16 MB', '2GB', '16MB; DROP', '1\u0000MB', 'x'.repeat(10_000)]) {
      assert.throws(() => loadConfig({ PGLITE_SHARED_BUFFERS: bad }), /PGLITE_SHARED_BUFFERS: a size such as 16MB or 512kB/);
    }
  });
});
