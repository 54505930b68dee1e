/**
 * Knowledge documents as MCP resources: `vigie://documents/{id}` reads one document, the
 * list pages through them, and `vigie://documents{?q}` is a search (hybrid passages with the
 * URIs of their documents), so an MCP client can browse the team's runbooks as context.
 */
import {
  ErrorCode,
  McpError,
  type ListResourcesResult,
  type ReadResourceResult,
  type ResourceTemplate,
} from '@modelcontextprotocol/sdk/types.js';
import { documentFinder, documentLister } from '../actions/documents.js';
import { AppError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';

const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** MCP's "resource not found" error code. */
const RESOURCE_NOT_FOUND = -32002;

/** The URI of a document. */
export const documentUri = (id: string) => `vigie://documents/${id}`;

/** One page of documents as resources. */
export async function documentResources(prisma: PrismaClient, cursor: string | undefined): Promise<ListResourcesResult> {
  try {
    const page = await documentLister(prisma, { limit: PAGE, cursor });
    return {
      resources: page.data.map((document) => ({
        uri: documentUri(document.id),
        name: document.title,
        title: document.title,
        mimeType: document.contentType,
        description: document.tags.length ? `Tags: ${document.tags.join(', ')}` : undefined,
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  } catch (error) {
    if (error instanceof AppError && error.status === 400) throw new McpError(ErrorCode.InvalidParams, `Invalid cursor: ${error.message}`);
    throw error;
  }
}

/** The document and search templates. */
export function documentTemplates(): ResourceTemplate[] {
  return [
    {
      uriTemplate: 'vigie://documents/{id}',
      name: 'document',
      title: 'Knowledge document',
      description: 'One knowledge-base document by id',
      mimeType: 'text/markdown',
    },
    {
      uriTemplate: 'vigie://documents{?q}',
      name: 'document-search',
      title: 'Knowledge search',
      description: 'Best matching passages for a query, with their document URIs',
      mimeType: 'application/json',
    },
  ];
}

/** Reads a document or a search URI. */
export async function readDocumentResource(prisma: PrismaClient, knowledge: KnowledgeBase, uri: string): Promise<ReadResourceResult> {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `Not a URI: ${uri.slice(0, 200)}`);
  }
  if (parsed.protocol !== 'vigie:' || parsed.host !== 'documents')
    throw new McpError(RESOURCE_NOT_FOUND, `Unknown resource ${uri.slice(0, 200)}`);
  let id: string;
  try {
    id = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `Bad percent-encoding in ${uri.slice(0, 200)}`);
  }
  if (id === '') {
    const query = parsed.searchParams.get('q')?.trim() ?? '';
    if (query === '' || query.length > 500 || query.includes('\u0000'))
      throw new McpError(ErrorCode.InvalidParams, 'Search needs ?q= with 1 to 500 characters');
    const passages = await knowledge.search({ q: query, k: 10 });
    const results = passages.map((passage) => ({
      uri: documentUri(passage.documentId),
      title: passage.title,
      headingPath: passage.headingPath,
      score: passage.score,
      text: passage.content,
    }));
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ query, results }) }] };
  }
  if (!UUID.test(id)) throw new McpError(RESOURCE_NOT_FOUND, `No document ${JSON.stringify(id.slice(0, 100))}`);
  try {
    const document = await documentFinder(prisma, id);
    return { contents: [{ uri: documentUri(document.id), mimeType: document.contentType, text: document.content }] };
  } catch (error) {
    if (error instanceof AppError && error.status === 404) throw new McpError(RESOURCE_NOT_FOUND, `No document ${id}`);
    throw error;
  }
}
