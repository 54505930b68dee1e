/**
 * The DNS check against a real UDP DNS server on loopback (a minimal responder written
 * here): A and MX answers with timings, AAAA and CNAME as "no data", a missing name as
 * NXDOMAIN, and a server that never answers as a timeout.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { resolveName } from '../../src/tools/network/dns-check.js';

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])),
    Buffer.from([0]),
  ]);
}

/** Answers `db1.lab.internal` (A 10.1.2.3, MX 10 mail.lab.internal); everything else NXDOMAIN. */
function answer(query: Buffer): Buffer {
  let offset = 12;
  const labels: string[] = [];
  while (query[offset]! > 0) {
    labels.push(query.subarray(offset + 1, offset + 1 + query[offset]!).toString());
    offset += query[offset]! + 1;
  }
  const type = query.readUInt16BE(offset + 1);
  const question = query.subarray(12, offset + 5);
  const known = labels.join('.') === 'db1.lab.internal';
  const records: Buffer[] = [];
  const record = (data: Buffer) => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(data.length, 10);
    records.push(Buffer.concat([head, data]));
  };
  if (known && type === 1) record(Buffer.from([10, 1, 2, 3]));
  if (known && type === 15) record(Buffer.concat([Buffer.from([0, 10]), encodeName('mail.lab.internal')]));
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

describe('DNS check', () => {
  const server = dgram.createSocket('udp4');
  const silent = dgram.createSocket('udp4');
  let port = 0;
  let silentPort = 0;

  before(async () => {
    server.on('message', (message, remote) => server.send(answer(message), remote.port, remote.address));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    silentPort = (silent.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    silent.close();
  });

  it('resolves A and MX with timings, reporting missing types', async () => {
    const result = await resolveName('db1.lab.internal', { timeoutMs: 2_000, servers: [`127.0.0.1:${port}`] });
    const byType = Object.fromEntries(result.answers.map((entry) => [entry.type, entry]));
    assert.deepEqual(byType.A!.records, ['10.1.2.3']);
    assert.deepEqual(byType.MX!.records, ['10 mail.lab.internal']);
    assert.equal(byType.AAAA!.error, 'ENODATA');
    assert.equal(byType.CNAME!.error, 'ENODATA');
    assert.ok(byType.A!.durationMs >= 0 && byType.A!.durationMs < 2_000);
  });

  it('reports NXDOMAIN and timeouts as errors, not exceptions', async () => {
    const missing = await resolveName('nowhere.lab.internal', { timeoutMs: 2_000, servers: [`127.0.0.1:${port}`] });
    assert.equal(missing.answers.find((entry) => entry.type === 'A')!.error, 'ENOTFOUND');
    const timedOut = await resolveName('db1.lab.internal', { timeoutMs: 300, servers: [`127.0.0.1:${silentPort}`] });
    assert.equal(timedOut.answers.find((entry) => entry.type === 'A')!.error, 'ETIMEOUT');
  });
});
