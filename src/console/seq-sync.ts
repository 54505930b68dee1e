/**
 * Gap-free delivery on the client side (issue #20). Every message carries its
 * conversation's `seq` (1, 2, 3…). This tracker remembers the last seq it delivered per
 * conversation; a live message above last + 1 means something was missed (a Redis outage
 * between nodes, a node change, a dropped packet), so it holds that message back, pages
 * `conversation:sync` from the last seq until `more` is false, and then delivers in order.
 * The same catch-up runs after a reconnect, on a `conversation:resync` hint and after the
 * laptop wakes. Each seq is delivered once, in order; a message at or below the last seq
 * (an edit, or a broadcast that raced a catch-up page) goes to `update` instead.
 *
 * No DOM and no socket here: the console, tests and benchmarks drive it with their own
 * transport, so the chaos test exercises exactly the console's logic.
 */
import type { MessageView } from '../actions/conversation-views.js';
import type { Ack, CatchUpReason, SyncPage } from '../contracts/event-maps.js';

/** Asks the server for one page (the console: `conversation:sync` over its socket). */
export type SyncRequest = (payload: {
  conversationId: string;
  afterSeq: number;
  limit: number;
  reason?: CatchUpReason;
}) => Promise<Ack<SyncPage>>;

/** What the tracker tells its owner. */
export interface SeqSyncHooks {
  /** New messages of a conversation, by seq, each seq once. */
  deliver(conversationId: string, messages: MessageView[]): void;
  /** A message at or below the last delivered seq (an edit or a repeat): replace by id. */
  update?(message: MessageView): void;
  /** A catch-up page failed (it is retried). */
  failed?(conversationId: string, message: string): void;
}

/** Counters of what the tracker did, for tests, benchmarks and the console's debug view. */
export interface SeqSyncStats {
  gapsDetected: number;
  messagesRecovered: number;
  catchUps: number;
  /** Duration of each finished catch-up (ms), newest last (the last 1,000). */
  catchUpMs: number[];
}

/** Tuning; the defaults suit the console. */
export interface SeqSyncOptions {
  pageSize?: number;
  /** Delays before retrying a failed page; the last one repeats. */
  retryDelaysMs?: number[];
  now?: () => number;
}

interface Tracked {
  last: number;
  /** Live messages above last + 1, waiting for the catch-up, by seq. */
  pending: Map<number, MessageView>;
  running: Promise<void> | null;
  rerun: CatchUpReason | null;
}

/** Per-conversation seq tracking with paged catch-up. */
export class SeqSync {
  readonly stats: SeqSyncStats = {
    gapsDetected: 0,
    messagesRecovered: 0,
    catchUps: 0,
    catchUpMs: [],
  };
  private readonly conversations = new Map<string, Tracked>();
  private readonly pageSize: number;
  private readonly retryDelaysMs: number[];
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly request: SyncRequest,
    private readonly hooks: SeqSyncHooks,
    options: SeqSyncOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 200;
    this.retryDelaysMs = options.retryDelaysMs ?? [250, 500, 1_000, 2_000, 5_000];
    this.now = options.now ?? (() => Date.now());
  }

  /** Starts (or restarts) tracking at `lastSeq`: the newest seq the owner already shows. */
  track(conversationId: string, lastSeq: number): void {
    const existing = this.conversations.get(conversationId);
    if (existing) existing.last = Math.max(existing.last, lastSeq);
    else
      this.conversations.set(conversationId, {
        last: lastSeq,
        pending: new Map(),
        running: null,
        rerun: null,
      });
  }

  /** Stops tracking (the owner left the conversation). */
  forget(conversationId: string): void {
    this.conversations.delete(conversationId);
  }

  /** The newest seq delivered, or undefined when not tracked. */
  lastSeq(conversationId: string): number | undefined {
    return this.conversations.get(conversationId)?.last;
  }

  /** Conversations being tracked. */
  tracked(): string[] {
    return [...this.conversations.keys()];
  }

  /** True while a catch-up runs or live messages wait for one. */
  busy(conversationId?: string): boolean {
    const states = conversationId ? [this.conversations.get(conversationId)] : [...this.conversations.values()];
    return states.some((state) => state !== undefined && (state.running !== null || state.pending.size > 0));
  }

  /** A live message (`message:new`, `agent:done`, a send's ack). */
  receive(message: MessageView): void {
    const state = this.conversations.get(message.conversationId);
    if (!state || typeof message.seq !== 'number') {
      this.hooks.deliver(message.conversationId, [message]);
      return;
    }
    if (message.seq <= state.last) {
      this.hooks.update?.(message);
      return;
    }
    if (message.seq === state.last + 1 && state.pending.size === 0) {
      state.last = message.seq;
      this.hooks.deliver(message.conversationId, [message]);
      return;
    }
    state.pending.set(message.seq, message);
    this.flush(message.conversationId, state);
    if (state.pending.size > 0 && !state.running) {
      this.stats.gapsDetected += 1;
      void this.catchUp(message.conversationId, 'gap');
    }
  }

  /** A `conversation:resync` hint: catch up if the server holds more than we do. */
  hint(conversationId: string, lastSeq: number): void {
    const state = this.conversations.get(conversationId);
    if (state && lastSeq > state.last) void this.catchUp(conversationId, 'resync');
  }

  /** Applies a page the owner fetched itself (the `conversation:join` ack); true when more remain. */
  applyPage(conversationId: string, page: { messages: MessageView[]; more: boolean; lastSeq: number }): boolean {
    const state = this.conversations.get(conversationId);
    if (!state) return false;
    this.take(conversationId, state, page.messages);
    if (!page.more && page.lastSeq > state.last && !this.pendingBelow(state, page.lastSeq)) state.last = page.lastSeq;
    this.flush(conversationId, state);
    return page.more || state.pending.size > 0 || page.lastSeq > state.last;
  }

  /** Catches every tracked conversation up (after a reconnect or a wake-up). */
  catchUpAll(reason: CatchUpReason): Promise<void> {
    return Promise.all(this.tracked().map((id) => this.catchUp(id, reason))).then(() => undefined);
  }

  /** Pages `conversation:sync` from the last seq until `more` is false; retries failed pages. */
  catchUp(conversationId: string, reason: CatchUpReason): Promise<void> {
    const state = this.conversations.get(conversationId);
    if (!state) return Promise.resolve();
    if (state.running) {
      state.rerun = reason;
      return state.running;
    }
    const run = async () => {
      let next: CatchUpReason | null = reason;
      while (next && !this.closed && this.conversations.get(conversationId) === state) {
        state.rerun = null;
        const before = state.last;
        if (!(await this.page(conversationId, state, next))) {
          // Refused for good (no longer readable): nothing to wait for.
          state.pending.clear();
          return;
        }
        next = state.rerun ?? (state.pending.size > 0 ? 'gap' : null);
        // Held-back messages the server does not know yet (cannot happen with one database,
        // but never spin): wait a little before asking again.
        if (next === 'gap' && state.last === before) await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[0] ?? 250));
      }
    };
    state.running = run().finally(() => {
      state.running = null;
    });
    return state.running;
  }

  /** Stops retrying (the owner is going away). */
  close(): void {
    this.closed = true;
  }

  /** One catch-up pass; false when the server refused it for good (not_found, validation_error). */
  private async page(conversationId: string, state: Tracked, reason: CatchUpReason): Promise<boolean> {
    const started = this.now();
    this.stats.catchUps += 1;
    let first = true;
    let failures = 0;
    for (;;) {
      if (this.closed || this.conversations.get(conversationId) !== state) return false;
      const ack = await this.request({
        conversationId,
        afterSeq: state.last,
        limit: this.pageSize,
        ...(first ? { reason } : {}),
      });
      if ('error' in ack) {
        this.hooks.failed?.(conversationId, ack.error.message);
        if (ack.error.code === 'not_found' || ack.error.code === 'validation_error') return false;
        const delay = this.retryDelaysMs[Math.min(failures, this.retryDelaysMs.length - 1)] ?? 1_000;
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      first = false;
      const page = ack.data;
      this.take(conversationId, state, page.messages);
      if (page.more) continue;
      // Every seq up to lastSeq was committed before the page was read: the ones we did not
      // get were deleted. Live messages held back above them can now go out.
      if (page.lastSeq > state.last && !this.pendingBelow(state, page.lastSeq)) state.last = page.lastSeq;
      this.flush(conversationId, state);
      break;
    }
    this.stats.catchUpMs.push(this.now() - started);
    if (this.stats.catchUpMs.length > 1_000) this.stats.catchUpMs.shift();
    return true;
  }

  private pendingBelow(state: Tracked, seq: number): boolean {
    for (const pendingSeq of state.pending.keys()) if (pendingSeq <= seq) return true;
    return false;
  }

  /** Delivers page messages above the last seq, in order, merging held-back live ones. */
  private take(conversationId: string, state: Tracked, messages: MessageView[]): void {
    const fresh: MessageView[] = [];
    for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
      if (message.seq <= state.last) {
        this.hooks.update?.(message);
        continue;
      }
      state.pending.delete(message.seq);
      state.last = message.seq;
      fresh.push(message);
    }
    this.stats.messagesRecovered += fresh.length;
    if (fresh.length) this.hooks.deliver(conversationId, fresh);
    this.flush(conversationId, state);
  }

  /** Delivers held-back live messages that have become contiguous. */
  private flush(conversationId: string, state: Tracked): void {
    const ready: MessageView[] = [];
    for (;;) {
      const next = state.pending.get(state.last + 1);
      if (!next) break;
      state.pending.delete(next.seq);
      state.last = next.seq;
      ready.push(next);
    }
    for (const seq of state.pending.keys()) if (seq <= state.last) state.pending.delete(seq);
    if (ready.length) this.hooks.deliver(conversationId, ready);
  }
}
