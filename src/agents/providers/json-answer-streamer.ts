/**
 * Streams the text of a grammar-constrained answer while it is decoded. In grammar mode the
 * local model writes `{"answer": "…"}` (or a tool call); without this the user would see the
 * whole answer at once when the JSON closes. The streamer watches the raw chunks and emits
 * the decoded characters of the `answer` string as soon as they are certain (an escape is
 * held back until complete), and nothing at all for a tool call.
 */

const OPENING = /^\s*\{\s*"answer"\s*:\s*"/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Feeds raw chunks, calls `onText` with decoded answer text. */
export class JsonAnswerStreamer {
  private raw = '';
  private cursor = -1;
  private closed = false;
  /** The answer text emitted so far. */
  emitted = '';

  constructor(private readonly onText: (text: string) => void) {}

  /** One raw chunk of the model's output. */
  push(chunk: string): void {
    if (this.closed) return;
    this.raw += chunk;
    if (this.cursor < 0) {
      const opening = OPENING.exec(this.raw);
      if (!opening) {
        // Not (yet) an answer: give up as soon as the output cannot become one (a tool call).
        const compact = this.raw.replace(/\s+/g, '');
        if (!'{"answer":"'.startsWith(compact)) this.closed = true;
        return;
      }
      this.cursor = opening[0].length;
    }
    let text = '';
    while (this.cursor < this.raw.length) {
      const char = this.raw[this.cursor]!;
      if (char === '"') {
        this.closed = true;
        break;
      }
      if (char !== '\\') {
        text += char;
        this.cursor += 1;
        continue;
      }
      const next = this.raw[this.cursor + 1];
      if (next === undefined) break;
      if (next === 'u') {
        const hex = this.raw.slice(this.cursor + 2, this.cursor + 6);
        if (hex.length < 4) break;
        text += String.fromCharCode(Number.parseInt(hex, 16));
        this.cursor += 6;
        continue;
      }
      text += ESCAPES[next] ?? next;
      this.cursor += 2;
    }
    if (text) {
      this.emitted += text;
      this.onText(text);
    }
  }
}
