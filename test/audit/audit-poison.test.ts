/**
 * The audit log no payload can poison, on every backend: rounds of innocent `status` commands
 * in parallel with requests carrying a lone surrogate or a NUL (REST), then the same poison
 * injected straight into the AuditLog and the pipeline (below any boundary validation). Every
 * innocent request succeeds, every audit event is stored (counted), verify stays ok, the
 * poisoned events are stored escaped with the original's digest, no execution stays running.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import { AuditEscapedError, AuditLog, verifyAuditChain } from '../../src/audit/audit-log.js';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { loadConfig } from '../../src/config.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { defineTool, type Toolset } from '../../src/tools/tool-contract.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

const ROUNDS = 3;
const INNOCENT = 20;

/** A stand-in for qos_apply (the real one needs a namespace lab): same name, same `intent` argument. */
function qosStub(): Toolset {
  return {
    name: 'qos_stub',
    description: 'qos_apply stand-in',
    async checkPrerequisites() {
      return { ok: true };
    },
    tools: [
      defineTool({
        name: 'qos_apply',
        description: 'stand-in',
        inputSchema: z.object({ intent: z.string() }).strict(),
        outputSchema: z.unknown(),
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 1_000,
        async execute() {
          return { status: 'success', data: {} };
        },
      }),
    ],
  };
}

async function count(harness: TestApp, where = 'TRUE'): Promise<number> {
  const rows = await harness.database.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_events WHERE ${where}`);
  return Number(rows[0]!.n);
}

for (const backend of testBackends()) {
  describe(`audit poison on ${backend.name}`, { timeout: 120_000 }, () => {
    let harness: TestApp;
    before(async () => {
      const database = await backend.open();
      const config = { ...loadConfig({}), NET_ALLOWED_TARGETS: '127.0.0.0/8' };
      const toolsets = [coreToolset(database), networkToolset({ config, database, logger: pino({ level: 'silent' }) }), qosStub()];
      harness = await startTestApp(database, { config: { NET_ALLOWED_TARGETS: '127.0.0.0/8' }, tools: { toolsets } });
    });
    after(async () => {
      await harness.close();
      await harness.database.close();
    });

    it('keeps every innocent request and audit event while poisoned requests run beside them (REST)', async () => {
      const viewers = await Promise.all(
        Array.from({ length: 4 }, async () => apiClient(harness.url, (await harness.createUser('viewer')).token)),
      );
      const operator = apiClient(harness.url, (await harness.createUser('operator')).token);
      const innocentIds: string[] = [];
      let poisoned5xx = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        const innocent = Array.from({ length: INNOCENT }, (_, index) =>
          viewers[index % viewers.length]!.post('/api/commands', { text: 'status' }),
        );
        const poisoned = [
          viewers[0]!.post('/api/commands', { tool: 'net_check', args: { targets: ['a\ud800b'] } }),
          operator.post('/api/commands', { tool: 'qos_apply', args: { intent: 'x\ud800' } }),
          operator.post('/api/network-analysis', { targets: 'a\u0000b' }),
        ];
        const [good, bad] = await Promise.all([Promise.all(innocent), Promise.all(poisoned)]);
        for (const response of good) {
          assert.equal(response.status, 200, response.text);
          assert.equal(response.body.status, 'succeeded');
          innocentIds.push(response.body.id);
        }
        for (const response of bad) {
          if (response.status >= 500) poisoned5xx += 1;
          assert.ok(response.status >= 400 && response.status < 500, `poisoned request answered ${response.status} ${response.text}`);
        }
      }
      assert.equal(poisoned5xx, 0);
      const expected = innocentIds.length * 3; // proposed, started, succeeded
      const stored = await count(harness, `execution_id IN (${innocentIds.map((id) => `'${id}'`).join(',')})`);
      console.log(
        `# REST poison (${backend.name}): ${ROUNDS} rounds, innocent requests ${innocentIds.length}/${ROUNDS * INNOCENT} succeeded, audit events expected ${expected} stored ${stored}`,
      );
      assert.equal(stored, expected);
      assert.equal(await harness.database.prisma.execution.count({ where: { status: 'running' } }), 0);
      const verify = await apiClient(harness.url, harness.adminToken).get('/api/audit/verify');
      assert.equal(verify.status, 200);
      assert.equal(verify.body.ok, true, verify.text);
    });

    it('stores poisoned events escaped, never dropped, and fails only their callers (AuditLog)', async () => {
      const audit = new AuditLog(harness.database.sql, 500, pino({ level: 'silent' }));
      const before = await count(harness);
      const poison = [
        { action: 'test.poison', arguments: { targets: ['a\ud800b'] } },
        { action: 'test.poison', details: { intent: 'x\ud800' }, actorName: 'eve\u0000' },
        { action: 'test.poison', arguments: { 'k\u0000': 'a\u0000b' }, conversationId: 'not-a-uuid', durationMs: 1.5 },
        { action: 'test.poison', tool: 'x\udc00', traceId: '\u0000' },
      ];
      const innocent = Array.from({ length: INNOCENT }, (_, index) => ({ action: 'test.innocent', arguments: { index } }));
      const mixed = [...innocent.slice(0, 10), ...poison, ...innocent.slice(10)];
      const settled = await Promise.allSettled(mixed.map((input) => audit.append(input)));
      const fulfilled = settled.filter((entry) => entry.status === 'fulfilled');
      const rejected = settled.flatMap((entry) => (entry.status === 'rejected' ? [entry.reason as unknown] : []));
      assert.equal(fulfilled.length, INNOCENT);
      assert.equal(rejected.length, poison.length);
      for (const reason of rejected) {
        assert.ok(reason instanceof AuditEscapedError);
        assert.equal(reason.status, 400);
      }
      assert.equal((await count(harness)) - before, mixed.length, 'every event stored');
      const escaped = await harness.database.prisma.auditEvent.findMany({ where: { action: 'test.poison' }, orderBy: { id: 'asc' } });
      assert.equal(escaped.length, poison.length);
      const first = escaped[0]!;
      assert.deepEqual(first.arguments, { targets: ['a\\ud800b'] });
      const marker = (first.details as { _audit: { escaped: boolean; originalDigest: string } })._audit;
      assert.equal(marker.escaped, true);
      const original = {
        createdAt: first.createdAt.toISOString(),
        action: 'test.poison',
        status: 'succeeded',
        actorId: null,
        actorName: null,
        channel: 'api',
        externalIds: {},
        conversationId: null,
        tool: null,
        executionId: null,
        arguments: { targets: ['a\ud800b'] },
        approverId: null,
        durationMs: null,
        resultDigest: null,
        details: {},
        traceId: null,
      };
      assert.equal(
        marker.originalDigest,
        createHash('sha256').update(canonicalJson(original)).digest('hex'),
        'the digest proves the original',
      );
      const third = escaped[2]!;
      assert.equal(third.conversationId, null);
      assert.equal(third.durationMs, 2);
      assert.deepEqual((third.details as any)._audit.invalidFields, { conversationId: 'not-a-uuid' });
      assert.equal(escaped[1]!.actorName, 'eve\\u0000');
      assert.equal((await verifyAuditChain(harness.database.prisma)).ok, true);
    });

    it('answers a poisoned requester with its own 400 and an escaped audit event while others succeed (pipeline)', async () => {
      const viewer = await harness.createUser('viewer');
      const executions = harness.app.tools.executions;
      const poisoned = { userId: viewer.id, userName: 'mallory\u0000\ud800', role: 'viewer' as const, tokenId: null };
      const innocent = { userId: viewer.id, userName: 'alice', role: 'viewer' as const, tokenId: null };
      const before = await count(harness);
      const results = await Promise.allSettled([
        ...Array.from({ length: INNOCENT }, () => executions.request(innocent, { tool: 'system_status', args: {}, channel: 'api' })),
        executions.request(poisoned, { tool: 'system_status', args: {}, channel: 'api' }),
      ]);
      const ok = results
        .filter((entry) => entry.status === 'fulfilled')
        .map((entry) => (entry as PromiseFulfilledResult<{ status: string }>).value);
      assert.equal(ok.length, INNOCENT);
      assert.ok(ok.every((view) => view.status === 'succeeded'));
      const failure = results.at(-1)!;
      assert.equal(failure.status, 'rejected');
      const reason = (failure as PromiseRejectedResult).reason as { status?: number; code?: string };
      assert.equal(reason.status, 400, String(reason));
      // innocent: proposed + started + succeeded; poisoned: execution.refused, stored escaped.
      assert.equal((await count(harness)) - before, INNOCENT * 3 + 1);
      const refused = await harness.database.prisma.auditEvent.findMany({ where: { action: 'execution.refused', status: 'invalid_text' } });
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.actorName, 'mallory\\u0000\\ud800');
      assert.equal(await harness.database.prisma.execution.count({ where: { status: 'running' } }), 0);
      assert.equal((await verifyAuditChain(harness.database.prisma)).ok, true);
    });

    it('refuses NUL and lone surrogates in tool arguments before anything is stored (bad input)', async () => {
      const viewer = apiClient(harness.url, (await harness.createUser('viewer')).token);
      const response = await viewer.post('/api/commands', { tool: 'net_check', args: { targets: ['x\udfff'] } });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'validation_error');
    });
  });
}
