/**
 * The knowledge base as the rest of Vigie sees it: ingest bytes or files, rebuild a
 * document's passages, search passages and audit events. Built once by the composition
 * root with the process's embedder and handed to routes, tools and the CLI.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Embedder } from '../inference/inference-contract.js';
import { ValidationError } from '../errors.js';
import { AuditIndexer } from './audit-indexer.js';
import { contentTypeForFile, parseDocument } from './document-parsers.js';
import { searchKnowledge, type KnowledgeQuery, type Passage } from './hybrid-search.js';
import { ingestDocument, updateDocument, type DocumentChanges, type IngestResult } from './knowledge-indexer.js';
import type { ChunkingOptions } from './structure-chunker.js';

/** Limits and chunking; defaults suit runbooks. */
export interface KnowledgeOptions {
  maxDocumentBytes?: number;
  chunking?: ChunkingOptions;
  logger?: Logger;
}

/** Bytes to ingest with what we know about them. */
export interface IngestBytesInput {
  bytes: Uint8Array;
  contentType?: string | undefined;
  fileName?: string | undefined;
  title?: string | undefined;
  tags?: string[] | undefined;
  sourceUrl?: string | null | undefined;
  ownerId?: string | null | undefined;
}

/** Default largest document: 20 MB. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** Facade over ingestion, indexing and retrieval. */
export class KnowledgeBase {
  readonly auditIndex: AuditIndexer;
  readonly maxDocumentBytes: number;

  constructor(
    readonly database: Database,
    readonly embedder: Embedder,
    private readonly options: KnowledgeOptions = {},
  ) {
    this.maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    this.auditIndex = new AuditIndexer(database, embedder, options.logger);
  }

  /** Parses and ingests bytes (REST upload, CLI). */
  async ingestBytes(input: IngestBytesInput): Promise<IngestResult & { title: string }> {
    const contentType =
      input.contentType && input.contentType !== 'application/octet-stream'
        ? input.contentType
        : (input.fileName && contentTypeForFile(input.fileName)) || 'text/plain';
    const parsed = await parseDocument(input.bytes, contentType, this.maxDocumentBytes);
    const title = (input.title ?? parsed.title ?? (input.fileName ? path.basename(input.fileName) : 'Untitled')).slice(0, 300);
    const result = await ingestDocument(
      this.database,
      this.embedder,
      { title, text: parsed.text, contentType: parsed.contentType, tags: input.tags, sourceUrl: input.sourceUrl, ownerId: input.ownerId },
      this.options.chunking,
    );
    return { ...result, title };
  }

  /** Ingests one file from disk; its absolute path is its identity. */
  async ingestFile(filePath: string, options: { tags?: string[]; ownerId?: string | null } = {}) {
    const absolute = path.resolve(filePath);
    const info = await stat(absolute);
    if (!info.isFile()) throw new ValidationError(`${filePath} is not a file`);
    if (info.size > this.maxDocumentBytes) {
      throw new ValidationError(
        `${filePath} is ${(info.size / 1024 / 1024).toFixed(1)} MB, above the ${this.maxDocumentBytes / 1024 / 1024} MB limit`,
      );
    }
    const contentType = contentTypeForFile(absolute);
    if (!contentType) throw new ValidationError(`${filePath}: unsupported file type`);
    return this.ingestBytes({ bytes: await readFile(absolute), contentType, fileName: absolute, sourceUrl: absolute, ...options });
  }

  /** Updates a document (REST PUT); passages are rebuilt in the same transaction. */
  update(documentId: string, changes: DocumentChanges) {
    if (changes.text !== undefined && Buffer.byteLength(changes.text) > this.maxDocumentBytes) {
      throw new ValidationError(`The document is above the ${this.maxDocumentBytes / 1024 / 1024} MB limit`);
    }
    return updateDocument(this.database, this.embedder, documentId, changes, this.options.chunking);
  }

  /** Hybrid passage search. */
  search(query: KnowledgeQuery): Promise<Passage[]> {
    return searchKnowledge(this.database, this.embedder, query);
  }
}
