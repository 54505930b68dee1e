/**
 * Turns uploaded bytes into the text Vigie indexes and cites: Markdown and plain text as
 * they are, HTML converted to Markdown (headings survive for structure-aware chunking),
 * JSON pretty-printed, PDF text extracted page by page (unpdf). Citations point at offsets
 * in this text, which is what the document stores as its content.
 */
import path from 'node:path';
import { PayloadTooLargeError, ValidationError } from '../errors.js';

/** What a parser produces. */
export interface ParsedDocument {
  text: string;
  contentType: string;
  /** A title found in the content (first heading, HTML <title>, PDF metadata). */
  title?: string;
}

/** Content types by file extension; anything else textual is indexed as plain text. */
const EXTENSION_TYPES: Record<string, string> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
};

/** Source and configuration files indexed as text (code blocks keep their lines). */
const TEXT_EXTENSIONS = new Set([
  '.ts',
  '.js',
  '.mjs',
  '.cjs',
  '.py',
  '.go',
  '.rs',
  '.java',
  '.c',
  '.h',
  '.cpp',
  '.sh',
  '.bash',
  '.rb',
  '.php',
  '.yaml',
  '.yml',
  '.toml',
  '.ini',
  '.conf',
  '.cfg',
  '.env',
  '.xml',
  '.csv',
  '.sql',
  '.tf',
  '.properties',
  '.rst',
  '.log',
]);

/** Guesses the content type of a file name; null when it is not something we index. */
export function contentTypeForFile(fileName: string): string | null {
  const extension = path.extname(fileName).toLowerCase();
  if (EXTENSION_TYPES[extension]) return EXTENSION_TYPES[extension]!;
  if (TEXT_EXTENSIONS.has(extension) || ['Dockerfile', 'Makefile'].includes(path.basename(fileName))) return 'text/plain';
  return null;
}

function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.includes(0)) return true;
  let control = 0;
  for (const byte of sample) if (byte < 9 || (byte > 13 && byte < 32)) control += 1;
  return sample.length > 0 && control / sample.length > 0.1;
}

function decodeText(bytes: Uint8Array): string {
  if (looksBinary(bytes)) throw new ValidationError('The file looks binary, not text; nothing was stored');
  try {
    return new TextDecoder('utf-8', { fatal: true })
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n');
  } catch {
    throw new ValidationError('The file is not valid UTF-8 text; nothing was stored');
  }
}

function firstHeading(markdown: string): string | undefined {
  return /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(markdown)?.[1]?.trim();
}

async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  const { getDocumentProxy, extractText, getMeta } = await import('unpdf');
  let proxy;
  try {
    proxy = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 } as never);
  } catch (error) {
    throw new ValidationError(`The PDF could not be read (${(error as Error).message}); nothing was stored`);
  }
  const { text } = await extractText(proxy, { mergePages: false });
  const pages = (Array.isArray(text) ? text : [text]).map((page) => page.trim());
  const joined = pages.filter(Boolean).join('\n\n');
  if (!joined.trim()) throw new ValidationError('The PDF has no extractable text (scanned images?); nothing was stored');
  const meta = await getMeta(proxy).catch(() => ({ info: {} as Record<string, unknown> }));
  const title = typeof meta.info?.Title === 'string' && meta.info.Title.trim() ? (meta.info.Title as string).trim() : undefined;
  return { text: joined, contentType: 'application/pdf', ...(title ? { title } : {}) };
}

/** Parses bytes of the given content type, enforcing the size limit. */
export async function parseDocument(bytes: Uint8Array, contentType: string, maxBytes: number): Promise<ParsedDocument> {
  if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(`${Math.round(maxBytes / 1024 / 1024)} MB document`);
  if (bytes.byteLength === 0) throw new ValidationError('The document is empty; nothing was stored');
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/pdf') return parsePdf(bytes);
  const text = decodeText(bytes);
  if (!text.trim()) throw new ValidationError('The document has no text; nothing was stored');
  if (type === 'text/html') {
    // turndown and its DOM (≈0.15 s to load) only when an HTML document arrives (issue 17).
    const { default: TurndownService } = await import('turndown');
    const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
    turndown.remove(['script', 'style', 'noscript']);
    const titleMatch = /<title[^>]*>([^<]*)<\/title>/i.exec(text);
    const markdown = turndown.turndown(text.replace(/<head[\s\S]*?<\/head>/i, '')).trim();
    if (!markdown) throw new ValidationError('The HTML has no visible text; nothing was stored');
    const title = titleMatch?.[1]?.trim() || firstHeading(markdown);
    return { text: markdown, contentType: 'text/html', ...(title ? { title } : {}) };
  }
  if (type === 'application/json') {
    try {
      return { text: JSON.stringify(JSON.parse(text), null, 2), contentType: 'application/json' };
    } catch (error) {
      throw new ValidationError(`Invalid JSON (${(error as Error).message}); nothing was stored`);
    }
  }
  const title = type === 'text/markdown' ? firstHeading(text) : undefined;
  return { text, contentType: type || 'text/plain', ...(title ? { title } : {}) };
}
