/**
 * Coalesces identical catch-up reads on one node (issue #20). When Redis returns, every
 * client of a room that missed the same messages asks for the same page at once (the same
 * conversation, `afterSeq`, limit and caller): a thousand identical `conversation:sync`
 * requests would be a thousand pairs of queries queued on the database pool. Here a request
 * whose key already has a read in flight waits for the *next* read of that key, which starts
 * when the current one ends and answers every request that queued meanwhile. So at most two
 * reads per key run or wait at a time, and every request is answered by a read that started
 * after it arrived: it never gets a page older than itself (a client that was hinted
 * `lastSeq` and then asked always gets at least that far).
 */

interface Slot<T> {
  /** The read in flight for this key. */
  running: Promise<T>;
  /** The read queued behind it, shared by every request that arrived while it ran. */
  next: Promise<T> | null;
}

/** Per-key read-after-arrival coalescing of async reads. */
export class ReadCoalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();
  /** Reads actually run and requests answered, for tests and metrics. */
  readonly stats = { reads: 0, requests: 0 };

  /** Answers with `read()`'s result, sharing one read with identical requests (same `key`) that queue with it. */
  run(key: string, read: () => Promise<T>): Promise<T> {
    this.stats.requests += 1;
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, read).running;
    slot.next ??= slot.running.then(
      () => this.promote(key, read),
      () => this.promote(key, read),
    );
    return slot.next;
  }

  /** Keys with a read in flight (tests). */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string, read: () => Promise<T>): Slot<T> {
    this.stats.reads += 1;
    const slot: Slot<T> = { running: Promise.resolve().then(read), next: null };
    this.slots.set(key, slot);
    const release = () => {
      if (this.slots.get(key) === slot && slot.next === null) this.slots.delete(key);
    };
    slot.running.then(release, release);
    return slot;
  }

  /** The queued read becomes the running one; requests arriving from now on queue behind it, never join it. */
  private promote(key: string, read: () => Promise<T>): Promise<T> {
    this.slots.delete(key);
    return this.start(key, read).running;
  }
}
