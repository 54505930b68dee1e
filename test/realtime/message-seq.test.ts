/**
 * Per-conversation sequence numbers and catch-up by seq (issue #20), on PGlite and
 * PostgreSQL: seqs are 1, 2, 3… under concurrent posts, survive retries without holes,
 * the migration numbers existing messages, `conversation:join` / `conversation:sync` and
 * REST `…/messages/sync` page through 5,000 messages exactly once and in order, and every
 * bad input is a validation_error.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrator.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { closeAllSockets, connectSocket, request as requestWithin, type ClientSocket } from './support/socket-client.js';

/** Acks on a loaded CI machine can take long (PGlite serialises every query): wait generously. */
const request = (socket: ClientSocket, event: string, payload: unknown) => requestWithin(socket, event, payload, 120_000);

const SEQ_MIGRATION = '20261206200000_message_seq';

for (const backend of testBackends()) {
  describe(`message sequence numbers on ${backend.name}`, { timeout: 900_000 }, () => {
    let harness: TestApp;
    let alice: { id: string; token: string };
    let socket: ClientSocket;

    before(async () => {
      harness = await startTestApp(await backend.open(), { gateway: true });
      alice = await harness.createUser('operator', `alice-seq-${backend.name}`);
      socket = await connectSocket(harness.url, alice.token);
    });
    after(async () => {
      closeAllSockets();
      await harness.close();
      await harness.database.close();
    });

    async function newConversation(title: string): Promise<string> {
      return (
        await apiClient(harness.url, alice.token).post('/api/conversations', {
          title,
        })
      ).body.id;
    }

    async function allSeqs(conversationId: string): Promise<number[]> {
      const rows = await harness.database.prisma.message.findMany({
        where: { conversationId },
        orderBy: { seq: 'asc' },
        select: { seq: true },
      });
      return rows.map((row) => row.seq);
    }

    it('numbers messages 1, 2, 3… under concurrent posts from sockets and REST, retries included', async () => {
      const conversationId = await newConversation('concurrent');
      const api = apiClient(harness.url, alice.token);
      const retried = randomUUID();
      const results = await Promise.all([
        ...Array.from({ length: 15 }, (_, index) =>
          api.post(`/api/conversations/${conversationId}/messages`, {
            content: `rest ${index}`,
          }),
        ),
        ...Array.from({ length: 15 }, (_, index) =>
          request(socket, 'message:send', {
            conversationId,
            content: `socket ${index}`,
            clientMessageId: randomUUID(),
          }),
        ),
        ...Array.from({ length: 4 }, () =>
          request(socket, 'message:send', {
            conversationId,
            content: 'retried',
            clientMessageId: retried,
          }),
        ),
      ]);
      const fromSockets = results.slice(15).map((ack) => ack.data.message.seq as number);
      assert.ok(fromSockets.every((seq) => Number.isInteger(seq) && seq > 0));
      // The four retries share one message and so one seq.
      assert.equal(new Set(fromSockets.slice(15)).size, 1);
      const seqs = await allSeqs(conversationId);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, index) => index + 1),
      );
      assert.ok(seqs.length >= 31);
      const conversation = await harness.database.prisma.conversation.findUniqueOrThrow({
        where: { id: conversationId },
      });
      assert.equal(conversation.lastMessageSeq, seqs.length);
      // Another conversation starts at 1 again, and seq cannot be rewritten.
      const other = await newConversation('other');
      const first = await request(socket, 'message:send', {
        conversationId: other,
        content: 'first',
        clientMessageId: randomUUID(),
      });
      assert.equal(first.data.message.seq, 1);
      await harness.database.prisma.message.update({
        where: { id: first.data.message.id },
        data: { seq: 99 },
      });
      const kept = await harness.database.prisma.message.findUniqueOrThrow({
        where: { id: first.data.message.id },
      });
      assert.equal(kept.seq, 1);
    });

    it('pages 5,000 messages through join, conversation:sync and REST, each exactly once and in order', async () => {
      const conversationId = await newConversation('five thousand');
      const rows = Array.from({ length: 5_000 }, (_, index) => ({
        conversationId,
        authorId: alice.id,
        role: 'user' as const,
        content: `bulk ${index}`,
      }));
      for (let index = 0; index < rows.length; index += 1_000)
        await harness.database.prisma.message.createMany({
          data: rows.slice(index, index + 1_000),
        });

      const joined = await request(socket, 'conversation:join', {
        conversationId,
        afterSeq: 0,
        limit: 300,
      });
      assert.equal(joined.data.missed.length, 300);
      assert.equal(joined.data.more, true);
      assert.equal(joined.data.nextSeq, 300);
      assert.equal(joined.data.lastSeq, 5_000);
      const viaSocket = joined.data.missed.map((message: { seq: number }) => message.seq);
      let afterSeq = joined.data.nextSeq;
      let pages = 1;
      for (let more = true; more; pages += 1) {
        const page = (
          await request(socket, 'conversation:sync', {
            conversationId,
            afterSeq,
            limit: 1_000,
          })
        ).data;
        viaSocket.push(...page.messages.map((message: { seq: number }) => message.seq));
        ({ more } = page);
        afterSeq = page.nextSeq;
        assert.ok(pages < 20, 'paging does not end');
      }
      assert.deepEqual(
        viaSocket,
        Array.from({ length: 5_000 }, (_, index) => index + 1),
      );
      assert.equal(pages, 6);

      const api = apiClient(harness.url, alice.token);
      const viaRest: string[] = [];
      afterSeq = 0;
      for (let more = true; more;) {
        const page = await api.get(`/api/conversations/${conversationId}/messages/sync?afterSeq=${afterSeq}&limit=1000`);
        assert.equal(page.status, 200);
        viaRest.push(...page.body.messages.map((message: { content: string }) => message.content));
        ({ more } = page.body);
        afterSeq = page.body.nextSeq;
      }
      assert.deepEqual(
        viaRest,
        rows.map((row) => row.content),
      );
      // Up to date: an empty page that says so.
      const done = (
        await request(socket, 'conversation:sync', {
          conversationId,
          afterSeq: 5_000,
        })
      ).data;
      assert.deepEqual(
        {
          messages: done.messages,
          nextSeq: done.nextSeq,
          more: done.more,
          lastSeq: done.lastSeq,
        },
        { messages: [], nextSeq: 5_000, more: false, lastSeq: 5_000 },
      );
      // The legacy `since` join pages too (no silent cap): 5,000 messages after an old time.
      const since = await request(socket, 'conversation:join', {
        conversationId,
        since: '2000-01-01T00:00:00Z',
      });
      assert.equal(since.data.missed.length, 200);
      assert.equal(since.data.more, true);
      assert.equal(since.data.nextSeq, 200);
    });

    it('answers join without a catch-up point with the lastSeq to start from', async () => {
      const conversationId = await newConversation('plain join');
      await request(socket, 'message:send', {
        conversationId,
        content: 'one',
        clientMessageId: randomUUID(),
      });
      const joined = await request(socket, 'conversation:join', {
        conversationId,
      });
      assert.deepEqual(joined.data.missed, []);
      assert.equal(joined.data.more, false);
      assert.ok(joined.data.lastSeq >= 1);
      assert.equal(joined.data.nextSeq, joined.data.lastSeq);
    });

    it('refuses bad sync input with validation_error, unknown conversations with not_found', async () => {
      const conversationId = await newConversation('bad input');
      const cases: unknown[] = [
        { conversationId },
        { conversationId, afterSeq: -1 },
        { conversationId, afterSeq: 1.5 },
        { conversationId, afterSeq: '3' },
        { conversationId, afterSeq: 2 ** 31 },
        { conversationId, afterSeq: 0, limit: 0 },
        { conversationId, afterSeq: 0, limit: 1_001 },
        { conversationId, afterSeq: 0, reason: 'bored' },
        { conversationId, afterSeq: 0, extra: true },
        { conversationId: 'x\u0000', afterSeq: 0 },
        { conversationId: '\ud800', afterSeq: 0 },
        { conversationId: 'x'.repeat(60_000), afterSeq: 0 },
        { conversationId: '', afterSeq: 0 },
        null,
        [],
      ];
      for (const payload of cases)
        assert.equal(
          (await request(socket, 'conversation:sync', payload)).error?.code,
          'validation_error',
          JSON.stringify(payload)?.slice(0, 80),
        );
      assert.equal(
        (
          await request(socket, 'conversation:join', {
            conversationId,
            since: '2026-01-01T00:00:00Z',
            afterSeq: 0,
          })
        ).error.code,
        'validation_error',
      );
      assert.equal(
        (
          await request(socket, 'conversation:join', {
            conversationId,
            afterSeq: -5,
          })
        ).error.code,
        'validation_error',
      );
      assert.equal(
        (
          await request(socket, 'conversation:sync', {
            conversationId: randomUUID(),
            afterSeq: 0,
          })
        ).error.code,
        'not_found',
      );
      const stranger = await harness.createUser('viewer', `stranger-seq-${backend.name}`);
      const strangerSocket = await connectSocket(harness.url, stranger.token);
      assert.equal(
        (
          await request(strangerSocket, 'conversation:sync', {
            conversationId,
            afterSeq: 0,
          })
        ).error.code,
        'not_found',
      );
      assert.equal(
        (await apiClient(harness.url, stranger.token).get(`/api/conversations/${conversationId}/messages/sync?afterSeq=0`)).status,
        404,
      );

      const api = apiClient(harness.url, alice.token);
      for (const query of [
        '',
        '?afterSeq=',
        '?afterSeq=-1',
        '?afterSeq=abc',
        '?afterSeq=1.5',
        '?afterSeq=%00',
        '?afterSeq=%ZZ',
        '?afterSeq=1&limit=0',
        '?afterSeq=1&limit=5000',
        `?afterSeq=${'9'.repeat(5_000)}`,
        '?afterSeq=1&x=1',
        '?afterSeq=%ED%A0%80',
      ]) {
        const response = await api.get(`/api/conversations/${conversationId}/messages/sync${query}`);
        assert.equal(response.status, 400, query.slice(0, 40));
        assert.equal(
          response.body.code ?? response.body.error?.code,
          'validation_error',
          `${query.slice(0, 40)}: ${response.text.slice(0, 200)}`,
        );
      }
      assert.equal((await api.get(`/api/conversations/not-a-uuid/messages/sync?afterSeq=0`)).status, 400);
      // Nothing was written by any of it.
      assert.deepEqual(await allSeqs(conversationId), []);
    });
  });
}

describe('the message_seq migration', { timeout: 600_000 }, () => {
  it('numbers existing messages per conversation in time order and continues from there', async () => {
    const before = mkdtempSync(path.join(tmpdir(), 'vigie-seq-migrations-'));
    for (const name of readdirSync(MIGRATIONS_DIR)) {
      if (name < SEQ_MIGRATION || name === 'migration_lock.toml')
        cpSync(path.join(MIGRATIONS_DIR, name), path.join(before, name), {
          recursive: true,
        });
    }
    const database = await openDatabase({ backend: 'pglite' });
    try {
      await migrate(database.sql, before);
      const user = randomUUID();
      const [first, second] = [randomUUID(), randomUUID()];
      await database.sql.exec(`INSERT INTO users (id, name, role, updated_at) VALUES ('${user}', 'seq-backfill', 'admin', now())`);
      for (const id of [first, second])
        await database.sql.exec(`INSERT INTO conversations (id, title, owner_id, updated_at) VALUES ('${id}', 't', '${user}', now())`);
      // Inserted out of time order: the backfill follows created_at, not insertion.
      for (const [conversation, minute] of [
        [first, 3],
        [first, 1],
        [second, 5],
        [first, 2],
      ] as const) {
        await database.sql.exec(
          `INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES ('${randomUUID()}', '${conversation}', 'user', 'at ${minute}', TIMESTAMPTZ '2026-01-01 00:0${minute}:00Z')`,
        );
      }
      await migrate(database.sql);
      const rows = await database.sql.query<{
        conversation_id: string;
        content: string;
        seq: number;
      }>('SELECT conversation_id, content, seq FROM messages ORDER BY conversation_id, seq');
      assert.deepEqual(
        rows.filter((row) => row.conversation_id === first).map((row) => [row.content, row.seq]),
        [
          ['at 1', 1],
          ['at 2', 2],
          ['at 3', 3],
        ],
      );
      assert.deepEqual(
        rows.filter((row) => row.conversation_id === second).map((row) => row.seq),
        [1],
      );
      await database.sql.exec(
        `INSERT INTO messages (id, conversation_id, role, content) VALUES ('${randomUUID()}', '${first}', 'user', 'after')`,
      );
      const [last] = await database.sql.query<{ seq: number }>(`SELECT seq FROM messages WHERE content = 'after'`);
      assert.equal(last!.seq, 4);
    } finally {
      await database.close();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
