/**
 * /api/audit (admins): browse, export (streamed JSONL or CSV) and verify the hash-chained
 * audit trail. Export streams in id order batch by batch, so memory stays flat on any size.
 */
import type { Response } from 'express';
import { z } from 'zod';
import { verifyAuditTrail } from '../../audit/anchor-verify.js';
import { auditRecordFromRow, type AuditRecord } from '../../audit/audit-log.js';
import { ValidationError } from '../../errors.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { RouteTable } from '../http/route-table.js';
import type { RouteContext } from './route-context.js';

const filters = z.object({
  tool: z.string().max(100).optional(),
  actor: z.string().max(200).optional().meta({ description: 'User id or user name' }),
  status: z.string().max(30).optional(),
  action: z.string().max(100).optional(),
  executionId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const auditEventSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    action: z.string(),
    status: z.string(),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    channel: z.string(),
    externalIds: z.unknown(),
    conversationId: z.string().nullable(),
    tool: z.string().nullable(),
    executionId: z.string().nullable(),
    arguments: z.unknown(),
    approverId: z.string().nullable(),
    durationMs: z.number().nullable(),
    resultDigest: z.string().nullable(),
    details: z.unknown(),
    traceId: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function where(query: z.infer<typeof filters>): Prisma.AuditEventWhereInput {
  return {
    ...(query.tool ? { tool: query.tool } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.executionId ? { executionId: query.executionId } : {}),
    ...(query.actor ? (UUID.test(query.actor) ? { actorId: query.actor } : { actorName: query.actor }) : {}),
    ...(query.from || query.to
      ? { createdAt: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lt: new Date(query.to) } : {}) } }
      : {}),
  };
}

const CSV_COLUMNS: Array<keyof AuditRecord> = [
  'id',
  'createdAt',
  'action',
  'status',
  'actorId',
  'actorName',
  'channel',
  'externalIds',
  'conversationId',
  'tool',
  'executionId',
  'arguments',
  'approverId',
  'durationMs',
  'resultDigest',
  'details',
  'traceId',
  'prevHash',
  'hash',
];

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Leading = + - @ would be run as formulas by spreadsheets.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function write(response: Response, chunk: string): Promise<void> {
  if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
}

async function streamExport(prisma: PrismaClient, response: Response, query: z.infer<typeof filters>, format: 'jsonl' | 'csv') {
  response.status(200);
  response.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  response.setHeader('Content-Disposition', `attachment; filename="vigie-audit.${format}"`);
  if (format === 'csv') await write(response, CSV_COLUMNS.join(',') + '\n');
  let after: bigint | undefined;
  for (;;) {
    const rows = await prisma.auditEvent.findMany({
      where: { AND: [where(query), after === undefined ? {} : { id: { gt: after } }] },
      orderBy: { id: 'asc' },
      take: 1000,
    });
    if (rows.length === 0 || response.destroyed) break;
    const records = rows.map(auditRecordFromRow);
    const text =
      format === 'csv'
        ? records.map((record) => CSV_COLUMNS.map((column) => csvCell(record[column])).join(',')).join('\n') + '\n'
        : records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    await write(response, text);
    after = rows[rows.length - 1]!.id;
  }
  response.end();
}

/** Registers audit routes (admin only). */
export function auditRoutes(routes: RouteTable, { database, auditAnchors }: RouteContext): void {
  const prisma = database.prisma;
  const tag = 'Audit';

  routes.add({
    method: 'get',
    path: '/audit',
    tag,
    minRole: 'admin',
    summary: 'Audit events, newest first, with filters and cursor pagination',
    query: filters.extend({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z
        .string()
        .regex(/^\d{1,19}$/, 'must be the nextCursor of a previous page')
        .optional(),
    }),
    success: {
      status: 200,
      description: 'A page of events',
      schema: z.object({ data: z.array(auditEventSchema), nextCursor: z.string().nullable() }),
    },
    handler: async ({ query }) => {
      if (query.from && query.to && new Date(query.from) > new Date(query.to)) throw new ValidationError('from must not be after to');
      const rows = await prisma.auditEvent.findMany({
        where: { AND: [where(query), query.cursor ? { id: { lt: BigInt(query.cursor) } } : {}] },
        orderBy: { id: 'desc' },
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit).map(auditRecordFromRow);
      return { data: page, nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
    },
  });

  routes.add({
    method: 'get',
    path: '/audit/export',
    tag,
    minRole: 'admin',
    summary: 'Export audit events in id order as JSONL or CSV (streamed)',
    query: filters.extend({ format: z.enum(['jsonl', 'csv']).default('jsonl') }),
    success: { status: 200, description: 'application/x-ndjson or text/csv', schema: null },
    handler: async ({ query, response }) => {
      await streamExport(prisma, response, query, query.format);
      return undefined;
    },
  });

  routes.add({
    method: 'get',
    path: '/audit/verify',
    tag,
    minRole: 'admin',
    summary: 'Recompute the hash chain, report the first event that does not match, and check the chain against the signed anchors',
    success: {
      status: 200,
      description: 'Verification result',
      schema: z
        .object({
          ok: z.boolean(),
          checked: z.number().int(),
          firstBrokenId: z.string().nullable(),
          anchors: z
            .object({
              total: z.number().int(),
              held: z.number().int(),
              newestId: z.string().nullable(),
              notYetAnchored: z.number().int(),
              problems: z.array(
                z.object({
                  line: z.number().int(),
                  id: z.string().nullable(),
                  reason: z.string(),
                  file: z
                    .string()
                    .optional()
                    .describe('The mirrored copy (AUDIT_ANCHOR_MIRROR_FILE) the line is in; absent for the anchor log'),
                }),
              ),
              mirrors: z
                .array(z.object({ file: z.string(), total: z.number().int(), held: z.number().int(), missingFromLog: z.number().int() }))
                .optional()
                .describe(
                  'With AUDIT_ANCHOR_MIRROR_FILE: the mirrored copy cross-checked with the anchor log (missingFromLog > 0: the log was truncated or rewritten)',
                ),
            })
            .nullable()
            .describe('Null when anchors are off (no anchor key configured for this app)'),
        })
        .meta({ id: 'AuditVerification' }),
    },
    handler: () => verifyAuditTrail(prisma, auditAnchors),
  });
}
