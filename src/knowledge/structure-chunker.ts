/**
 * Structure-aware chunking: text is cut into blocks (headings, paragraphs, fenced code,
 * lists), blocks are packed into passages up to a token budget with overlap, and every
 * passage keeps its heading path and exact character offsets in the document, so a
 * citation can be checked against the source.
 */

/** One passage of a document. */
export interface Chunk {
  ordinal: number;
  content: string;
  headingPath: string[];
  startOffset: number;
  endOffset: number;
}

/** Budget and overlap in approximate tokens (≈ 4 characters each). */
export interface ChunkingOptions {
  maxTokens?: number;
  overlapTokens?: number;
}

interface Block {
  start: number;
  end: number;
  headingPath: string[];
  heading: boolean;
}

const CHARS_PER_TOKEN = 4;

/** A rough token count, good enough for budgeting passages. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Splits text into structural blocks with their heading path. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const headings: Array<{ level: number; title: string }> = [];
  const lines = text.split('\n');
  let offset = 0;
  let blockStart = -1;
  let inFence = false;
  const path = () => headings.map((heading) => heading.title);
  const close = (end: number) => {
    if (blockStart >= 0 && text.slice(blockStart, end).trim()) blocks.push({ start: blockStart, end, headingPath: path(), heading: false });
    blockStart = -1;
  };
  for (const line of lines) {
    const lineStart = offset;
    const lineEnd = offset + line.length;
    offset = lineEnd + 1;
    if (/^\s*(```|~~~)/.test(line)) {
      if (!inFence) {
        close(lineStart);
        blockStart = lineStart;
        inFence = true;
      } else {
        inFence = false;
        close(lineEnd);
      }
      continue;
    }
    if (inFence) continue;
    const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      close(lineStart);
      const level = heading[1]!.length;
      while (headings.length && headings[headings.length - 1]!.level >= level) headings.pop();
      headings.push({ level, title: heading[2]!.trim() });
      blocks.push({ start: lineStart, end: lineEnd, headingPath: path(), heading: true });
      continue;
    }
    if (!line.trim()) {
      close(lineStart);
      continue;
    }
    if (blockStart < 0) blockStart = lineStart;
  }
  close(text.length);
  return blocks;
}

/** Cuts an oversized block at sentence or line ends, never mid-word when avoidable. */
function splitBlock(text: string, block: Block, maxChars: number): Block[] {
  const parts: Block[] = [];
  let start = block.start;
  while (block.end - start > maxChars) {
    const window = text.slice(start, start + maxChars);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf('. '), window.lastIndexOf(' '));
    const end = cut > maxChars / 2 ? start + cut + 1 : start + maxChars;
    parts.push({ ...block, start, end });
    start = end;
  }
  if (block.end > start) parts.push({ ...block, start });
  return parts;
}

/** Chunks a document's text. */
export function chunkText(text: string, options: ChunkingOptions = {}): Chunk[] {
  const maxChars = (options.maxTokens ?? 256) * CHARS_PER_TOKEN;
  const overlapChars = (options.overlapTokens ?? 32) * CHARS_PER_TOKEN;
  const blocks = blocksOf(text).flatMap((block) => (block.end - block.start > maxChars ? splitBlock(text, block, maxChars) : [block]));
  const chunks: Chunk[] = [];
  let current: Block[] = [];
  const flush = () => {
    const body = current.filter((block) => !block.heading);
    if (body.length === 0) return;
    const first = current[0]!;
    const last = current[current.length - 1]!;
    chunks.push({
      ordinal: chunks.length,
      content: text.slice(first.start, last.end),
      headingPath: body[0]!.headingPath,
      startOffset: first.start,
      endOffset: last.end,
    });
  };
  for (const block of blocks) {
    const sameSection =
      current.length > 0 &&
      current[0]!.headingPath.join('\u0000') === block.headingPath.slice(0, current[0]!.headingPath.length).join('\u0000');
    const size = current.length ? block.end - current[0]!.start : 0;
    if (current.length && (size > maxChars || (block.heading && current.some((item) => !item.heading)) || !sameSection)) {
      flush();
      // Overlap: carry trailing blocks of the same section into the next passage.
      const carried: Block[] = [];
      if (!block.heading) {
        for (let index = current.length - 1; index >= 0; index -= 1) {
          const candidate = current[index]!;
          if (candidate.heading || current[current.length - 1]!.end - candidate.start > overlapChars) break;
          if (candidate.headingPath.join('\u0000') !== block.headingPath.join('\u0000')) break;
          carried.unshift(candidate);
        }
      }
      current = carried.length && block.end - carried[0]!.start <= maxChars ? carried : [];
    }
    current.push(block);
  }
  flush();
  return chunks;
}
