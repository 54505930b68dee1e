/**
 * The console's seq tracker against an in-memory message store standing in for the
 * server's catch-up pages: gaps are detected and filled in order, each seq is delivered
 * once, held-back live messages wait for the catch-up, hints and deleted seqs are handled,
 * failed pages are retried and refused ones stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageView } from '../actions/conversation-views.js';
import type { Ack, SyncPage } from '../contracts/event-maps.js';
import { SeqSync, type SyncRequest } from './seq-sync.js';

const conversationId = '019a7c9e-5b3e-7d2a-9f1e-0a1b2c3d4e5f';

function message(seq: number): MessageView {
  return {
    id: `m-${seq}`,
    conversationId,
    authorId: null,
    role: 'user',
    content: `message ${seq}`,
    metadata: {},
    actionsTaken: [],
    modelUsed: null,
    processingMs: null,
    tokenCount: null,
    clientMessageId: null,
    channel: 'api',
    createdAt: new Date(0).toISOString(),
    seq,
  };
}

function server(seqs: number[], failures: string[] = []) {
  const calls: Array<{ afterSeq: number; limit: number; reason?: string }> = [];
  const request: SyncRequest = async ({ afterSeq, limit, reason }) => {
    calls.push({ afterSeq, limit, ...(reason ? { reason } : {}) });
    const failure = failures.shift();
    if (failure) return { error: { code: failure, message: failure } };
    const after = seqs.filter((seq) => seq > afterSeq);
    const page = after.slice(0, limit);
    const data: SyncPage = {
      conversationId,
      messages: page.map(message),
      nextSeq: page.at(-1) ?? afterSeq,
      more: after.length > limit,
      lastSeq: Math.max(0, ...seqs),
    };
    return { data } satisfies Ack<SyncPage>;
  };
  return { request, calls };
}

function tracker(request: SyncRequest, pageSize = 3) {
  const delivered: number[] = [];
  const updated: number[] = [];
  const sync = new SeqSync(
    request,
    {
      deliver: (_id, messages) => delivered.push(...messages.map((item) => item.seq)),
      update: (item) => updated.push(item.seq),
    },
    { pageSize, retryDelaysMs: [1] },
  );
  return { sync, delivered, updated };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('SeqSync', () => {
  it('delivers contiguous live messages directly and repeats as updates', () => {
    const { sync, delivered, updated } = tracker(server([]).request);
    sync.track(conversationId, 0);
    for (const seq of [1, 2, 2, 3, 1]) sync.receive(message(seq));
    assert.deepEqual(delivered, [1, 2, 3]);
    assert.deepEqual(updated, [2, 1]);
    assert.equal(sync.stats.gapsDetected, 0);
  });

  it('detects a gap, pages the catch-up and delivers everything once and in order', async () => {
    const store = server(range(1, 20));
    const { sync, delivered } = tracker(store.request);
    sync.track(conversationId, 2);
    sync.receive(message(3));
    sync.receive(message(12)); // 4–11 were missed
    sync.receive(message(13));
    while (sync.busy()) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.deepEqual(delivered, range(3, 20));
    assert.equal(sync.stats.gapsDetected, 1);
    assert.equal(store.calls[0]!.reason, 'gap');
    assert.ok(store.calls.slice(1).every((call) => call.reason === undefined));
    assert.equal(sync.lastSeq(conversationId), 20);
  });

  it('skips deleted seqs once the server says they are gone, then releases held messages', async () => {
    const store = server([1, 2, 5, 6]);
    const { sync, delivered } = tracker(store.request);
    sync.track(conversationId, 2);
    sync.receive(message(6));
    while (sync.busy()) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.deepEqual(delivered, [5, 6]);
  });

  it('catches up on a resync hint only when behind, and after a reconnect', async () => {
    const store = server(range(1, 7));
    const { sync, delivered } = tracker(store.request);
    sync.track(conversationId, 7);
    sync.hint(conversationId, 7);
    assert.equal(store.calls.length, 0);
    sync.track(conversationId, 7);
    const behind = tracker(store.request);
    behind.sync.track(conversationId, 4);
    behind.sync.hint(conversationId, 7);
    await behind.sync.catchUp(conversationId, 'resync');
    assert.deepEqual(behind.delivered, [5, 6, 7]);
    await sync.catchUpAll('reconnect');
    assert.deepEqual(delivered, []);
    assert.equal(store.calls.at(-1)!.reason, 'reconnect');
  });

  it('retries failed pages and stops on not_found', async () => {
    const store = server(range(1, 5), ['timeout', 'internal_error']);
    const { sync, delivered } = tracker(store.request);
    sync.track(conversationId, 0);
    await sync.catchUp(conversationId, 'wake');
    assert.deepEqual(delivered, range(1, 5));
    const gone = server(range(1, 5), ['not_found']);
    const refused = tracker(gone.request);
    refused.sync.track(conversationId, 0);
    refused.sync.receive(message(3));
    for (let waited = 0; refused.sync.busy() && waited < 2_000; waited += 1) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(refused.sync.busy(), false);
    assert.equal(gone.calls.length, 1);
    assert.deepEqual(refused.delivered, []);
  });

  it('applies a join page and reports whether more remain', () => {
    const { sync, delivered } = tracker(server([]).request);
    sync.track(conversationId, 0);
    assert.equal(
      sync.applyPage(conversationId, {
        messages: [message(1), message(2)],
        more: true,
        lastSeq: 9,
      }),
      true,
    );
    assert.equal(
      sync.applyPage(conversationId, {
        messages: [message(3)],
        more: false,
        lastSeq: 3,
      }),
      false,
    );
    assert.deepEqual(delivered, [1, 2, 3]);
  });
});
