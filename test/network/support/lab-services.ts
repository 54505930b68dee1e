/**
 * Services the network tests run inside the lab's namespaces: a TCP/HTTP/HTTPS responder
 * (node, with a short-lived self-signed certificate) and snmpd with a v2c community and a
 * v3 authPriv user, plus a paced UDP sender that pushes a known number of bytes.
 */
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tcpConnect } from '../../../src/tools/network/tcp-check.js';
import { sh, type NetworkLab } from './lab-network.js';

/** Credentials the lab's snmpd accepts. */
export const SNMP = { community: 'vigiepub', user: 'vigieops', authKey: 'authpass123', privKey: 'privpass123' };

const RESPONDER = `
const net = require('node:net'), http = require('node:http'), https = require('node:https'), fs = require('node:fs');
const [certificate, key] = process.argv.slice(1);
net.createServer((socket) => socket.end()).listen(8022, '0.0.0.0');
http.createServer((request, response) => response.end('ok')).listen(8080, '0.0.0.0');
https.createServer({ cert: fs.readFileSync(certificate), key: fs.readFileSync(key) }, (request, response) => response.end('ok')).listen(8443, '0.0.0.0');
`;

/** Waits until address:port accepts connections. */
export async function waitForPort(address: string, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await tcpConnect(address, port, 500)).state === 'open') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${address}:${port} never opened`);
}

/** Starts the TCP/HTTP/HTTPS responder in namespace h (certificate valid for `days`). */
export async function startResponder(lab: NetworkLab, days: number): Promise<void> {
  const certificate = path.join(lab.tempDir, 'cert.pem');
  const key = path.join(lab.tempDir, 'key.pem');
  await sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(days),
    '-subj',
    '/CN=vigie-lab',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  lab.spawnIn(lab.ns('h'), process.execPath, ['-e', RESPONDER, certificate, key]);
  await waitForPort(lab.address(10), 8022);
  await waitForPort(lab.address(10), 8443);
}

/** Starts snmpd in namespace r1, listening on 198.18.X.2:161. */
export async function startSnmpd(lab: NetworkLab): Promise<void> {
  const config = path.join(lab.tempDir, 'snmpd.conf');
  writeFileSync(
    config,
    `agentAddress udp:${lab.address(2)}:161\nrocommunity ${SNMP.community}\ncreateUser ${SNMP.user} SHA ${SNMP.authKey} AES ${SNMP.privKey}\nrouser ${SNMP.user} priv\n`,
  );
  lab.spawnIn(lab.ns('r1'), '/usr/sbin/snmpd', ['-f', '-Lo', '-C', '-c', config, '-p', path.join(lab.tempDir, 'snmpd.pid')], {
    ...process.env,
    SNMP_PERSISTENT_DIR: lab.tempDir,
    MIBS: '',
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const answered = await sh('snmpget', ['-v2c', '-c', SNMP.community, '-t', '0.5', '-r', '0', lab.address(2), '1.3.6.1.2.1.1.3.0']).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('snmpd did not answer');
}

/** Sends `count` UDP datagrams of `size` bytes to address:port in paced batches; resolves when all are sent. */
export async function pushUdp(address: string, port: number, count: number, size: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  const payload = Buffer.alloc(size, 0x5a);
  try {
    for (let sent = 0; sent < count; sent += 50) {
      const batch = Math.min(50, count - sent);
      await Promise.all(
        Array.from(
          { length: batch },
          () => new Promise<void>((resolve, reject) => socket.send(payload, port, address, (error) => (error ? reject(error) : resolve()))),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    socket.close();
  }
}
