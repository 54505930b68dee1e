/**
 * The group commit of socket messages (issue #18), on PGlite and PostgreSQL with real
 * Socket.IO clients: many concurrent sends into one conversation are stored in one or a few
 * multi-row INSERTs, every ack's message is already in the database, seqs are 1…n with no gap
 * and follow each socket's send order; in a batch mixing valid and refused messages only the
 * refused ones fail; a retry inside the same batch gets the same message; hostile text still
 * gets a clear error and stores nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { closeAllSockets, connectSocket, request as requestWithin, type ClientSocket } from './support/socket-client.js';

/** PGlite serialises every query and CI machines are loaded: wait generously. */
const request = (socket: ClientSocket, event: string, payload: unknown) => requestWithin(socket, event, payload, 120_000);

for (const backend of testBackends()) {
  describe(`message group commit on ${backend.name}`, { timeout: 600_000 }, () => {
    let harness: TestApp;
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let sockets: ClientSocket[];

    before(async () => {
      harness = await startTestApp(await backend.open(), { gateway: true });
      alice = await harness.createUser('operator', `alice-gc-${backend.name}`);
      bob = await harness.createUser('operator', `bob-gc-${backend.name}`);
      sockets = await Promise.all([1, 2, 3].map(() => connectSocket(harness.url, alice.token)));
    });
    after(async () => {
      closeAllSockets();
      await harness.close();
      await harness.database.close();
    });

    const newConversation = async (token: string, title: string): Promise<string> =>
      (await apiClient(harness.url, token).post('/api/conversations', { title })).body.id;

    const stored = (id: string) => harness.database.prisma.message.findUnique({ where: { id } });

    it('stores 90 concurrent sends before their acks, seqs 1…90 in each socket’s order', async () => {
      const conversationId = await newConversation(alice.token, 'burst');
      const before = await harness.database.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
      const perSocket = await Promise.all(
        sockets.map((socket, socketIndex) =>
          Promise.all(
            Array.from({ length: 30 }, (_, index) =>
              request(socket, 'message:send', { conversationId, content: `s${socketIndex} m${index}`, clientMessageId: randomUUID() }).then(
                async (ack) => {
                  assert.ok(ack.data, JSON.stringify(ack.error));
                  // Read as soon as the ack arrives: the row must already be committed.
                  const row = await stored(ack.data.message.id);
                  assert.equal(row?.content, `s${socketIndex} m${index}`);
                  assert.equal(row?.seq, ack.data.message.seq);
                  assert.equal(ack.data.created, true);
                  return ack.data.message.seq as number;
                },
              ),
            ),
          ),
        ),
      );
      for (const seqs of perSocket)
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          'a socket’s messages keep its send order',
        );
      const all = perSocket.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 90 }, (_, index) => index + 1),
      );
      const after = await harness.database.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
      assert.equal(after.lastMessageSeq, 90);
      assert.ok(after.updatedAt.getTime() >= before.updatedAt.getTime());
    });

    it('fails only the refused messages of a batch, and a retry in the same batch gets the same message', async () => {
      const mine = await newConversation(alice.token, 'mine');
      const bobs = await newConversation(bob.token, 'not alice’s');
      const retried = randomUUID();
      const [socket] = sockets;
      const sends = [
        { conversationId: mine, content: 'one', clientMessageId: randomUUID() },
        { conversationId: bobs, content: 'refused: not visible', clientMessageId: randomUUID() },
        { conversationId: mine, content: 'retried', clientMessageId: retried },
        { conversationId: randomUUID(), content: 'refused: no such conversation', clientMessageId: randomUUID() },
        { conversationId: mine, content: 'retried', clientMessageId: retried },
        { conversationId: mine, content: 'two', clientMessageId: randomUUID() },
      ];
      const acks = await Promise.all(sends.map((payload) => request(socket!, 'message:send', payload)));
      assert.equal(acks[1].error?.code, 'not_found');
      assert.equal(acks[3].error?.code, 'not_found');
      for (const index of [0, 2, 4, 5]) assert.ok(acks[index].data, JSON.stringify(acks[index].error));
      assert.equal(acks[2].data.message.id, acks[4].data.message.id);
      assert.deepEqual([acks[2].data.created, acks[4].data.created].sort(), [false, true]);
      const rows = await harness.database.prisma.message.findMany({ where: { conversationId: mine }, orderBy: { seq: 'asc' } });
      assert.deepEqual(
        rows.map((row) => [row.seq, row.content]),
        [
          [1, 'one'],
          [2, 'retried'],
          [3, 'two'],
        ],
      );
      assert.equal(await harness.database.prisma.message.count({ where: { conversationId: bobs } }), 0);
      // A retry after the commit is answered from the stored message, not stored again.
      const again = await request(socket!, 'message:send', { conversationId: mine, content: 'retried', clientMessageId: retried });
      assert.equal(again.data.message.id, acks[2].data.message.id);
      assert.equal(again.data.created, false);
    });

    it('when the batch’s INSERT fails, stores its other messages one by one and fails only the one the database refuses', async () => {
      const conversationId = await newConversation(alice.token, 'poisoned batch');
      const prisma = harness.database.prisma;
      await prisma.$executeRawUnsafe(`CREATE FUNCTION gc_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.content = 'poison' THEN RAISE EXCEPTION 'poisoned message'; END IF; RETURN NEW; END; $$`);
      await prisma.$executeRawUnsafe(
        `CREATE TRIGGER gc_test_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION gc_test_poison()`,
      );
      try {
        const [socket] = sockets;
        const acks = await Promise.all(
          ['before', 'poison', 'after'].map((content) =>
            request(socket!, 'message:send', { conversationId, content, clientMessageId: randomUUID() }),
          ),
        );
        assert.ok(acks[0].data && acks[2].data, JSON.stringify(acks));
        assert.equal(typeof acks[1].error?.code, 'string');
        assert.equal(acks[1].data, undefined);
        const rows = await prisma.message.findMany({ where: { conversationId }, orderBy: { seq: 'asc' } });
        assert.deepEqual(
          rows.map((row) => [row.seq, row.content]),
          [
            [1, 'before'],
            [2, 'after'],
          ],
        );
        assert.equal((await prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } })).lastMessageSeq, 2);
      } finally {
        await prisma.$executeRawUnsafe('DROP TRIGGER gc_test_poison ON messages');
        await prisma.$executeRawUnsafe('DROP FUNCTION gc_test_poison()');
      }
    });

    it('answers hostile text with a clear error among valid sends, storing nothing of it', async () => {
      const conversationId = await newConversation(alice.token, 'hostile');
      const [socket] = sockets;
      const hostile = ['a\u0000b', 'a\ud800b', '\udc00', '', '   ', 'x'.repeat(40_000)];
      const acks = await Promise.all([
        ...hostile.map((content) => request(socket!, 'message:send', { conversationId, content, clientMessageId: randomUUID() })),
        request(socket!, 'message:send', { conversationId, content: 'fine', clientMessageId: randomUUID() }),
      ]);
      for (const ack of acks.slice(0, hostile.length)) {
        assert.ok(['validation_error', 'payload_too_large'].includes(ack.error?.code), JSON.stringify(ack));
        assert.equal(typeof ack.error.message, 'string');
      }
      assert.equal(acks.at(-1).data.message.seq, 1);
      assert.deepEqual(
        (await harness.database.prisma.message.findMany({ where: { conversationId } })).map((row) => row.content),
        ['fine'],
      );
    });
  });
}
