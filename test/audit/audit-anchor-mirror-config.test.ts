/**
 * The anchor mirror's settings and its wiring, split from audit-anchor-mirror.test.ts:
 * hostile and inconsistent mirror settings are refused at config load, file flags are made
 * absolute before a command is forwarded to the running server, and main.ts mirrors the
 * last anchor at shutdown (startServer on the embedded database).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { anchorMirrorFromConfig } from '../../src/audit/anchor-mirror.js';
import { absolutePathArgs } from '../../src/cli/admin-forward.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { apiClient } from '../support/http-client.js';

const silent = pino({ level: 'silent' });
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

describe('audit anchor mirror configuration', () => {
  const base = { DATA_DIR: '/var/lib/vigie', SLACK_BOT_TOKEN: 'xoxb-x', DISCORD_TOKEN: 'discord-x' };
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadConfig({ ...base, ...env }),
      (error) => error instanceof ConfigError && pattern.test(error.message),
      JSON.stringify(env),
    );

  it('refuses a channel without the bot token that posts to it, naming both', () => {
    assert.throws(
      () => loadConfig({ AUDIT_ANCHOR_SLACK_CHANNEL: 'C0123ABCD' }),
      (error) => error instanceof ConfigError && /AUDIT_ANCHOR_SLACK_CHANNEL: needs SLACK_BOT_TOKEN/.test(error.message),
    );
    assert.throws(
      () => loadConfig({ AUDIT_ANCHOR_DISCORD_CHANNEL: '123456789' }),
      (error) => error instanceof ConfigError && /AUDIT_ANCHOR_DISCORD_CHANNEL: needs DISCORD_TOKEN/.test(error.message),
    );
  });

  it('refuses hostile values (NUL, lone surrogates, control characters, oversized, malformed ids) at load', () => {
    refused({ AUDIT_ANCHOR_MIRROR_FILE: '/mnt/a\u0000b.jsonl' }, /AUDIT_ANCHOR_MIRROR_FILE: must not contain NUL/);
    refused({ AUDIT_ANCHOR_MIRROR_FILE: '/mnt/\uD800.jsonl' }, /AUDIT_ANCHOR_MIRROR_FILE: must not contain lone UTF-16 surrogates/);
    refused({ AUDIT_ANCHOR_MIRROR_FILE: '/mnt/\uDC00x.jsonl' }, /AUDIT_ANCHOR_MIRROR_FILE: must not contain lone UTF-16 surrogates/);
    refused({ AUDIT_ANCHOR_MIRROR_FILE: '/mnt/a\nb.jsonl' }, /AUDIT_ANCHOR_MIRROR_FILE: must not contain control characters/);
    refused({ AUDIT_ANCHOR_MIRROR_FILE: `/mnt/${'x'.repeat(5_000)}` }, /AUDIT_ANCHOR_MIRROR_FILE: must be a path of at most 4096/);
    refused(
      { AUDIT_ANCHOR_MIRROR_FILE: '/var/lib/vigie/audit-anchors.jsonl' },
      /AUDIT_ANCHOR_MIRROR_FILE: must not be the anchor log itself/,
    );
    refused(
      { AUDIT_ANCHOR_LOG: '/srv/a.jsonl', AUDIT_ANCHOR_MIRROR_FILE: '/srv/./a.jsonl' },
      /AUDIT_ANCHOR_MIRROR_FILE: must not be the anchor log itself/,
    );
    for (const channel of ['C01\u0000', 'C0\uD800', 'c0lower', '#ops', 'C', `C${'1'.repeat(40)}`])
      refused({ AUDIT_ANCHOR_SLACK_CHANNEL: channel }, /AUDIT_ANCHOR_SLACK_CHANNEL: must be a Slack channel id/);
    for (const channel of ['12\u00003', '1\uDBFF', 'abc', '1'.repeat(26), '１２３'])
      refused({ AUDIT_ANCHOR_DISCORD_CHANNEL: channel }, /AUDIT_ANCHOR_DISCORD_CHANNEL: must be a Discord channel id/);
  });

  it('treats empty values as unset (no mirror) and builds only the configured targets', () => {
    const empty = loadConfig({ AUDIT_ANCHOR_MIRROR_FILE: '', AUDIT_ANCHOR_SLACK_CHANNEL: '  ', AUDIT_ANCHOR_DISCORD_CHANNEL: '' });
    assert.equal(empty.AUDIT_ANCHOR_MIRROR_FILE, undefined);
    assert.equal(anchorMirrorFromConfig(empty, { logger: silent }), undefined);
    const file = loadConfig({ AUDIT_ANCHOR_MIRROR_FILE: 'relative/mirror.jsonl' });
    assert.deepEqual(anchorMirrorFromConfig(file, { logger: silent })?.targetNames, ['file']);
    const chats = loadConfig({ ...base, AUDIT_ANCHOR_SLACK_CHANNEL: 'C0123ABCD', AUDIT_ANCHOR_DISCORD_CHANNEL: '123' });
    assert.deepEqual(anchorMirrorFromConfig(chats, { logger: silent })?.targetNames, ['slack', 'discord']);
  });

  it('makes file flags absolute before forwarding a command to the running server', () => {
    assert.deepEqual(
      absolutePathArgs(['audit', 'verify', '--mirror', 'copy.jsonl', '--anchors=logs/a.jsonl', '--public-key', '/etc/k.pub', '--json']),
      [
        'audit',
        'verify',
        '--mirror',
        path.resolve('copy.jsonl'),
        `--anchors=${path.resolve('logs/a.jsonl')}`,
        '--public-key',
        '/etc/k.pub',
        '--json',
      ],
    );
  });
});

describe('audit anchor mirror in the composition root (startServer, embedded database)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigie-hA-mirror-main-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('mirrors the anchors to AUDIT_ANCHOR_MIRROR_FILE, the last one at shutdown, and verify cross-checks it', async () => {
    const mirrorFile = path.join(dir, 'elsewhere', 'anchors.jsonl');
    const adminToken = `vig_hA_admin_${'x'.repeat(24)}`;
    const config = loadConfig({
      DATA_DIR: path.join(dir, 'data'),
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'silent',
      AUDIT_ANCHOR_MIRROR_FILE: mirrorFile,
      AUDIT_ANCHOR_EVERY: '1000',
    });
    const running = await startServer(config, silent);
    try {
      const client = apiClient(running.url, adminToken);
      assert.equal((await client.post('/api/users', { name: 'mirror-check', role: 'viewer' })).status, 201);
      const verified = (await client.get('/api/audit/verify')).body;
      assert.equal(verified.ok, true, JSON.stringify(verified));
      assert.deepEqual(verified.anchors.mirrors, [{ file: mirrorFile, total: 0, held: 0, missingFromLog: 0 }]);
    } finally {
      await running.stop();
    }
    const logPath = path.join(dir, 'data', 'audit-anchors.jsonl');
    assert.ok(existsSync(logPath));
    assert.equal(lines(logPath).length, 1, 'one anchor, written at shutdown');
    assert.deepEqual(lines(mirrorFile), lines(logPath));
  });
});
