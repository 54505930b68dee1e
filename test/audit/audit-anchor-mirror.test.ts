/**
 * The anchor mirror on every backend, with the real app and fake Slack and Discord APIs over
 * real HTTP: each signed anchor line lands verbatim in the mirror file, the Slack channel and
 * the Discord channel, and copies of all three verify; a failing or hung chat API never holds
 * up auditing, is retried and counted in vigie_audit_anchor_mirror_failures_total; a primary
 * anchor log truncated together with the chain's tail verifies "ok" on its own but is caught
 * with the mirror (`vigie audit verify --mirror`, GET /api/audit/verify). Settings and the
 * composition root: audit-anchor-mirror-config.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { publicKeyPath, loadOrCreateAnchorKey } from '../../src/audit/anchor-key.js';
import { AnchorMirror, anchorMirrorFromConfig } from '../../src/audit/anchor-mirror.js';
import { AuditAnchorWriter } from '../../src/audit/audit-anchors.js';
import type { AuditLog } from '../../src/audit/audit-log.js';
import { runAdminArgv } from '../../src/cli/admin-runner.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { startFakeDiscord, type FakeDiscord } from '../bots/support/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../bots/support/fake-slack.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const SLACK_CHANNEL = 'C0ANCHORS';
const DISCORD_CHANNEL = '912345678901234567';
const silent = pino({ level: 'silent' });

/** Runs SQL with the append-only trigger off, as a forger with the owner role would. */
async function forge(database: Database, statements: string): Promise<void> {
  await database.sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
    ${statements}
    ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;`);
}

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

/** The value of one counter series in a Prometheus text exposition (0 when absent). */
function counter(metrics: string, name: string, target: string): number {
  const match = new RegExp(`^${name}\\{target="${target}"\\} (\\d+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : 0;
}

for (const backend of testBackends()) {
  describe(`audit anchor mirror on ${backend.name}`, () => {
    let database: Database;
    let harness: TestApp;
    let slack: FakeSlack;
    let discord: FakeDiscord;
    let dir: string;
    let logPath: string;
    let mirrorFile: string;
    let pubPath: string;
    let audit: AuditLog;
    let writer: AuditAnchorWriter;
    let mirror: AnchorMirror;
    let admin: ReturnType<typeof apiClient>;

    before(async () => {
      database = await backend.open();
      [slack, discord] = await Promise.all([startFakeSlack(), startFakeDiscord()]);
      dir = mkdtempSync(path.join(tmpdir(), 'vigie-hA-mirror-'));
      logPath = path.join(dir, 'data', 'audit-anchors.jsonl');
      mirrorFile = path.join(dir, 'other-volume', 'anchors', 'mirror.jsonl');
      const keyPath = path.join(dir, 'data', 'audit-anchor.key');
      pubPath = publicKeyPath(keyPath);
      const key = loadOrCreateAnchorKey(keyPath);
      const config = loadConfig({
        DATA_DIR: path.join(dir, 'data'),
        AUDIT_ANCHOR_MIRROR_FILE: mirrorFile,
        AUDIT_ANCHOR_SLACK_CHANNEL: SLACK_CHANNEL,
        AUDIT_ANCHOR_DISCORD_CHANNEL: DISCORD_CHANNEL,
        SLACK_BOT_TOKEN: 'xoxb-anchor-test',
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: 'discord-anchor-test',
        DISCORD_API_URL: discord.apiUrl,
      });
      harness = await startTestApp(database, { auditAnchors: { key, logPath, mirrors: [mirrorFile] } });
      admin = apiClient(harness.url, harness.adminToken);
      audit = harness.app.context.audit;
      // The composition main.ts uses: the mirror from the configuration, on the app's /metrics registry.
      mirror = anchorMirrorFromConfig(config, {
        logger: silent,
        registry: harness.app.metrics,
        retry: { baseDelayMs: 1, maxDelayMs: 10 },
      })!;
      assert.deepEqual(mirror.targetNames, ['file', 'slack', 'discord']);
      writer = new AuditAnchorWriter({ sql: database.sql, key, logPath, every: 1_000_000, intervalMs: 3_600_000, logger: silent });
      writer.onAnchor(mirror.onAnchor);
      writer.start(audit);
    });
    after(async () => {
      await writer.stop();
      await mirror.close(5_000);
      await harness.close();
      await Promise.all([slack.close(), discord.close()]);
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Audited actions through the app, then one anchor of the head. */
    const anchorAfterActions = async (users: number) => {
      for (let index = 0; index < users; index += 1) await harness.createUser('viewer');
      await audit.flush();
      const anchor = await writer.anchorNow();
      assert.ok(anchor);
      await mirror.settled();
      return anchor;
    };
    const slackPosts = () =>
      slack.calls.filter(
        (call) => call.method === 'chat.postMessage' && call.params.channel === SLACK_CHANNEL && call.response.ok === true,
      );
    const discordPosts = () =>
      discord.calls.filter((call) => call.method === 'POST' && call.path === `/api/v10/channels/${DISCORD_CHANNEL}/messages`);
    const cli = (...argv: string[]) =>
      runAdminArgv(['audit', 'verify', '--json', '--anchors', logPath, '--public-key', pubPath, ...argv], database, audit);
    const metrics = async () => (await admin.get('/metrics')).text;

    it('copies each signed anchor line verbatim to the mirror file, the Slack channel and the Discord channel, and every copy verifies', async () => {
      for (let round = 0; round < 3; round += 1) await anchorAfterActions(2);
      const primary = lines(logPath);
      assert.equal(primary.length, 3);
      assert.deepEqual(lines(mirrorFile), primary, 'the mirror file holds the same bytes');
      assert.deepEqual(
        slackPosts()
          .map((call) => call.params.text as string)
          .map((text) => text.split('\n')[2]),
        primary,
      );
      assert.deepEqual(
        discordPosts()
          .map((call) => call.body.content as string)
          .map((text) => text.split('\n')[2]),
        primary,
      );
      for (const [index, line] of primary.entries()) {
        assert.ok((slackPosts()[index]!.params.text as string).includes(`\`\`\`\n${line}\n\`\`\``), 'in a Slack code block');
        assert.ok((discordPosts()[index]!.body.content as string).includes(`\`\`\`\n${line}\n\`\`\``), 'in a Discord code block');
        assert.deepEqual(discordPosts()[index]!.body.allowed_mentions, { parse: [] });
      }
      // The API cross-checks AUDIT_ANCHOR_MIRROR_FILE with the log.
      const verified = (await admin.get('/api/audit/verify')).body;
      assert.equal(verified.ok, true, JSON.stringify(verified));
      assert.deepEqual(verified.anchors.mirrors, [{ file: mirrorFile, total: 3, held: 3, missingFromLog: 0 }]);
      // The chat messages pasted into files (titles and fences included) verify as copies too.
      const slackCopy = path.join(dir, 'slack-copy.txt');
      const discordCopy = path.join(dir, 'discord-copy.txt');
      writeFileSync(
        slackCopy,
        slackPosts()
          .map((call) => call.params.text)
          .join('\n\n'),
      );
      writeFileSync(
        discordCopy,
        discordPosts()
          .map((call) => call.body.content)
          .join('\n'),
      );
      const result = await cli('--mirror', mirrorFile, '--mirror', slackCopy, '--mirror', discordCopy);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout);
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.anchors.mirrors.map((entry: { held: number; missingFromLog: number }) => [entry.held, entry.missingFromLog]),
        [
          [3, 0],
          [3, 0],
          [3, 0],
        ],
      );
      assert.equal(counter(await metrics(), 'vigie_audit_anchor_mirror_delivered_total', 'slack'), 3);
    });

    it('keeps auditing while the chat APIs fail: retries with backoff, then counts the failure per target', async () => {
      const before = await metrics();
      // Slack answers 500 on every try; Discord rate-limits once (Retry-After: 0) and then takes the post.
      slack.failNext('chat.postMessage', 500, 100);
      discord.failNext(`/channels/${DISCORD_CHANNEL}/messages`, 429, 1);
      const slackBefore = slackPosts().length;
      const discordBefore = discordPosts().length;
      const first = await anchorAfterActions(1);
      // Slack refuses the channel (permanent: not retried).
      slack.failNext('chat.postMessage', 500, 0);
      slack.refuseNext('chat.postMessage', 'not_in_channel', 1);
      await anchorAfterActions(1);
      const after = await metrics();
      const delta = (name: string, target: string) => counter(after, name, target) - counter(before, name, target);
      assert.equal(delta('vigie_audit_anchor_mirror_failures_total', 'slack'), 2);
      assert.equal(
        delta('vigie_audit_anchor_mirror_retries_total', 'slack'),
        3,
        'three retries after the first 500, none after the refusal',
      );
      assert.equal(delta('vigie_audit_anchor_mirror_failures_total', 'discord'), 0);
      assert.equal(delta('vigie_audit_anchor_mirror_retries_total', 'discord'), 1);
      assert.equal(delta('vigie_audit_anchor_mirror_failures_total', 'file'), 0);
      assert.equal(slackPosts().length, slackBefore, 'nothing reached the Slack channel');
      assert.equal(discordPosts().length, discordBefore + 2);
      assert.ok(discordPosts().some((call) => (call.body.content as string).includes(JSON.stringify(first))));
      // Auditing went on: the anchors are in the log and the mirror file, and the trail verifies.
      assert.equal(lines(logPath).length, 5);
      assert.deepEqual(lines(mirrorFile), lines(logPath));
      const verified = (await admin.get('/api/audit/verify')).body;
      assert.equal(verified.ok, true, JSON.stringify(verified));
      // Back to normal: the next anchor reaches Slack again.
      await anchorAfterActions(1);
      assert.equal(slackPosts().length, slackBefore + 1);
    });

    it('never holds up an anchor or an audit event while a chat API hangs; closing abandons and counts it', async () => {
      const requests: http.IncomingMessage[] = [];
      let received!: () => void;
      const arrived = new Promise<void>((resolve) => (received = resolve));
      const hung = http.createServer((request) => {
        requests.push(request);
        received();
      });
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
      const registry = new Registry();
      const stuck = new AnchorMirror(
        { slack: { token: 'xoxb-hung', apiUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/api/`, channel: SLACK_CHANNEL } },
        { logger: silent, registry },
      );
      const otherLog = path.join(dir, 'second-node', 'audit-anchors.jsonl');
      const second = new AuditAnchorWriter({
        sql: database.sql,
        key: loadOrCreateAnchorKey(path.join(dir, 'data', 'audit-anchor.key')),
        logPath: otherLog,
        every: 1_000_000,
        intervalMs: 3_600_000,
        logger: silent,
      });
      second.onAnchor(stuck.onAnchor);
      try {
        await audit.append({ action: 'test.mirror_hung', arguments: {} });
        await audit.flush();
        const anchor = await second.anchorNow();
        assert.ok(anchor, 'the anchor was written while its post hangs');
        await arrived;
        assert.equal(lines(otherLog).length, 1);
        let settled = false;
        void stuck.settled().then(() => (settled = true));
        await audit.append({ action: 'test.mirror_hung', arguments: { after: true } });
        await audit.flush();
        assert.equal(settled, false, 'the post is still pending');
        await stuck.close(0);
        assert.equal(counter(await registry.metrics(), 'vigie_audit_anchor_mirror_failures_total', 'slack'), 1);
        assert.equal(requests.length, 1);
      } finally {
        hung.closeAllConnections();
        await new Promise<void>((resolve) => hung.close(() => resolve()));
      }
    });

    it('catches, with the mirror, a primary log truncated together with the chain tail that verifies on its own', async () => {
      await anchorAfterActions(1);
      const anchors = lines(logPath).map((line) => JSON.parse(line) as { id: string });
      assert.ok(anchors.length >= 6);
      // The forger deletes the newest events and the anchors that pinned them, leaving a consistent pair.
      const kept = anchors.slice(0, anchors.length - 3);
      const lost = anchors.slice(anchors.length - 3);
      await forge(database, `DELETE FROM audit_events WHERE id > ${kept[kept.length - 1]!.id};`);
      writeFileSync(logPath, `${kept.map((anchor) => JSON.stringify(anchor)).join('\n')}\n`);
      const alone = await cli();
      assert.equal(alone.code, 0, 'the truncated log and the truncated chain agree');
      assert.equal(JSON.parse(alone.stdout).ok, true);

      const withMirror = await cli('--mirror', mirrorFile);
      assert.equal(withMirror.code, 1);
      const report = JSON.parse(withMirror.stdout);
      assert.equal(report.ok, false);
      assert.deepEqual(report.anchors.mirrors, [{ file: mirrorFile, total: anchors.length, held: kept.length, missingFromLog: 3 }]);
      const reasons = report.anchors.problems.map((problem: { reason: string }) => problem.reason).join('\n');
      for (const anchor of lost) {
        assert.match(
          reasons,
          new RegExp(`the anchor at event ${anchor.id} is missing from the anchor log: the anchor log was truncated or rewritten`),
        );
        assert.match(reasons, new RegExp(`anchored event ${anchor.id} is missing: events at the end of the chain were deleted`));
      }
      assert.ok(report.anchors.problems.every((problem: { file?: string }) => problem.file === mirrorFile));
      // The same without --json: one line per problem, FAILED last, exit 1.
      const text = await runAdminArgv(
        ['audit', 'verify', '--anchors', logPath, '--public-key', pubPath, '--mirror', mirrorFile],
        database,
        audit,
      );
      assert.equal(text.code, 1);
      assert.match(
        text.stdout,
        new RegExp(
          `mirror ${mirrorFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${kept.length} of ${anchors.length} hold, 3 missing from the anchor log`,
        ),
      );
      assert.match(text.stdout, /FAILED\n$/);
      // The API checks AUDIT_ANCHOR_MIRROR_FILE by itself; the mirror alone as --anchors sees the deleted tail too.
      const api = (await admin.get('/api/audit/verify')).body;
      assert.equal(api.ok, false);
      assert.equal(api.anchors.mirrors[0].missingFromLog, 3);
      const fromCopy = JSON.parse(
        (await runAdminArgv(['audit', 'verify', '--json', '--anchors', mirrorFile, '--public-key', pubPath], database, audit)).stdout,
      );
      assert.equal(fromCopy.ok, false);
      assert.equal(fromCopy.anchors.problems.length, 3);
    });

    it('refuses hostile verify flags with the flag named', async () => {
      for (const [flag, value] of [
        ['--mirror', 'a\u0000b'],
        ['--anchors', 'x\uD800'],
        ['--public-key', ''],
        ['--mirror', 'line\nbreak'],
      ] as const) {
        const result = await runAdminArgv(['audit', 'verify', flag, value], database, audit);
        assert.equal(result.code, 1, `${flag} ${JSON.stringify(value)}`);
        assert.match(result.stderr, new RegExp(`${flag}: must`));
      }
      const wrongKey = path.join(dir, 'not-a-key.pem');
      writeFileSync(wrongKey, 'garbage');
      const result = await runAdminArgv(['audit', 'verify', '--public-key', wrongKey], database, audit);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--public-key: .* is not a readable PEM public key/);
    });
  });
}
