/**
 * Streamed answers in chat without flooding the channel: the first tokens post one message,
 * later tokens edit it at most once per interval, and the final answer replaces it.
 */

/** How a platform posts and edits one message. */
export interface EditableMessageSink {
  post(text: string): Promise<string | undefined>;
  edit(id: string, text: string): Promise<void>;
}

/** One streamed message. */
export class ThrottledMessage {
  private text = '';
  private id: string | undefined;
  private posting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly sink: EditableMessageSink,
    private readonly intervalMs = 1_000,
  ) {}

  /** Adds streamed text; posts at once the first time, then edits on the interval. */
  push(delta: string): void {
    if (this.finished) return;
    this.text += delta;
    if (!this.posting) {
      this.posting = this.sink.post(this.text).then((id) => {
        this.id = id;
      });
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Stops streaming; the id of the posted message, if any, for the final edit. */
  async finish(): Promise<string | undefined> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    await this.posting?.catch(() => undefined);
    return this.id;
  }

  private async flush(): Promise<void> {
    await this.posting?.catch(() => undefined);
    if (this.id && !this.finished) await this.sink.edit(this.id, this.text).catch(() => undefined);
  }
}
