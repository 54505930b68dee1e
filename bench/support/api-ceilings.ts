/**
 * The fair ceilings of `npm run bench:api`: a bare Express app, on the SAME pg pool as Vigie,
 * that runs the same SQL as Vigie's routes with nothing else around it (no auth, no
 * validation, no logging, no metrics, no security headers). What Vigie adds on top of these
 * is its own cost; a ratio near 1 means the stack, not Vigie, is the limit.
 *
 * - GET  /json     the bare JSON route (no database at all);
 * - GET  /list     Vigie's list statement (same text, named prepared statement), mapped to the same page shape;
 * - POST /create   Vigie's insert statement, answering the same view;
 * - POST /command  the routed command's tool function, then one audit row (one INSERT).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type pg from 'pg';
import { conversationListStatement, CONVERSATION_INSERT_SQL } from '../../src/actions/conversations.js';
import { encodeCursor } from '../../src/actions/pagination.js';
import type { Principal } from '../../src/auth/principal.js';
import { uuidV7 } from '../../src/db/uuid-v7.js';
import type { ToolDefinition } from '../../src/tools/tool-contract.js';

interface Row {
  id: string;
  title: string;
  description: string | null;
  context: unknown;
  owner_id: string;
  origin_channel: string;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
}

const view = (row: Row) => ({
  id: row.id,
  title: row.title,
  description: row.description,
  context: row.context,
  ownerId: row.owner_id,
  originChannel: row.origin_channel,
  externalRef: row.external_ref,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/** The table the command ceiling writes its one audit row to (audit_events' shape, without its chain triggers). */
export const CEILING_AUDIT_TABLE_SQL = 'CREATE TABLE bench_audit_events (LIKE audit_events INCLUDING DEFAULTS INCLUDING INDEXES)';

/** Builds the ceiling app over `pool`, reading as `principal`; `tool` is the routed command's tool. */
export function ceilingServer(pool: pg.Pool, principal: Principal, tool: ToolDefinition): Server {
  const app = express();
  app.use(express.json());
  // The list statement for this principal and `limit=20`, built once: same text as Vigie runs.
  const list = conversationListStatement(principal, { limit: 20 });
  let previousHash = '0'.repeat(64);

  app.get('/json', (_request, response) => {
    response.json({ data: [{ id: 'ceiling', title: 'bare express' }], nextCursor: null });
  });

  app.get('/list', async (_request, response) => {
    const { rows } = await pool.query<Row>({ name: 'ceiling_list', text: list.text, values: list.params });
    const data = rows.slice(0, 20);
    const last = data[data.length - 1];
    response.json({
      data: data.map(view),
      nextCursor: rows.length > 20 && last ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) : null,
    });
  });

  app.post('/create', async (request, response) => {
    const body = request.body as { title: string; context?: object };
    const { rows } = await pool.query<Row>({
      name: 'ceiling_create',
      text: CONVERSATION_INSERT_SQL,
      values: [uuidV7(), body.title, null, JSON.stringify(body.context ?? {}), principal.userId, 'api', null],
    });
    response.status(201).json(view(rows[0]!));
  });

  app.post('/command', async (_request, response) => {
    const controller = new AbortController();
    const traceId = randomUUID();
    const result = await tool.execute(
      {},
      {
        principal,
        channel: 'api',
        conversationId: null,
        traceId,
        executionId: randomUUID(),
        externalIds: {},
        reportProgress: () => undefined,
        signal: controller.signal,
      },
    );
    const hash = createHash('sha256').update(previousHash).update(JSON.stringify(result)).digest('hex');
    const prevHash = previousHash;
    previousHash = hash;
    await pool.query({
      name: 'ceiling_audit',
      text: `INSERT INTO bench_audit_events (action, status, actor_id, actor_name, tool, arguments, details, trace_id, prev_hash, hash)
             VALUES ('execution.succeeded', 'succeeded', $1, $2, $3, '{}', '{}', $4, $5, $6)`,
      values: [principal.userId, principal.userName, tool.name, traceId, prevHash, hash],
    });
    response.json({ status: 'succeeded', result });
  });

  return app.listen(0, '127.0.0.1');
}
