/**
 * Params of each network finding code as the engine records them, for the finding-text tests
 * (a Record over FindingCode, so a new code needs a sample here too).
 */
import type { FindingCode, FindingParams } from '../../src/tools/network/finding-text.js';

/** One realistic params object per finding code. */
export const FINDING_SAMPLES: Record<FindingCode, FindingParams> = {
  'ping.unreachable': { target: 'db1.lab', address: '10.0.0.1', sent: 5, error: 'sendmsg: Operation not permitted' },
  'ping.loss': { target: 'db1.lab', address: '10.0.0.1', sent: 50, lossPercent: 12.5, avgMs: 81.234, jitterMs: 3.14, minMs: 77, maxMs: 1234.56, slowHop: 2, slowHopAddress: '198.18.40.6', slowHopAddedMs: 80.44 },
  'ping.highLatency': { target: 'db1.lab', address: '10.0.0.1', sent: 5, lossPercent: 0, avgMs: 140.2, jitterMs: 3, minMs: 130, maxMs: 150 },
  'ping.highJitter': { target: 'db1.lab', address: '10.0.0.1', sent: 5, lossPercent: 0, avgMs: 40, jitterMs: 35.5, minMs: 2, maxMs: 95, slowHop: 3, slowHopAddress: null, slowHopAddedMs: 30 },
  'ping.ok': { target: 'db1.lab', address: '10.0.0.1', sent: 1, lossPercent: 0, avgMs: 0.05, jitterMs: 0, minMs: 0.05, maxMs: 0.05 },
  'tcp.open': { target: 'db1.lab', address: '10.0.0.1', port: 22, connectMs: 0.4 },
  'tcp.closed': { target: 'db1.lab', address: '10.0.0.1', port: 44321, connectMs: 0.25 },
  'tcp.filtered': { target: 'db1.lab', address: '10.0.0.1', port: 8024, connectMs: null, state: 'filtered', error: 'no answer after 1000 ms' },
  'tcp.unreachable': { target: 'db1.lab', address: '10.0.0.1', port: 443, connectMs: null, state: 'unreachable', error: 'connect EHOSTUNREACH' },
  'http.failed': { target: 'web.lab', url: 'http://web.lab:80/', error: 'connect ECONNREFUSED' },
  'http.serverError': { target: 'web.lab', url: 'http://web.lab:80/', status: 503, firstByteMs: 1520.4 },
  'http.clientError': { target: 'web.lab', url: 'http://web.lab:80/admin', status: 403, totalMs: 12.3 },
  'http.ok': { target: 'web.lab', url: 'https://web.lab:443/', status: 200, connectMs: 1.2, firstByteMs: 5.6 },
  'tls.expiring': { target: 'web.lab', url: 'https://web.lab:443/', daysLeft: 5, validTo: '2026-12-12T10:00:00.000Z' },
  'tls.expired': { target: 'web.lab', url: 'https://web.lab:443/', daysAgo: 1, validTo: '2026-12-06T10:00:00.000Z' },
  'tls.unverified': { target: 'web.lab', url: 'https://web.lab:443/', error: 'SELF_SIGNED_CERT_IN_CHAIN' },
  'dns.noA': { name: 'db1.lab', error: 'ENOTFOUND', durationMs: 12.5 },
  'dns.slow': { name: 'db1.lab', recordType: 'MX', durationMs: 812.25 },
  'path.slowHop': { target: 'h.lab', hop: 2, address: '198.18.40.6', addedMs: 80.4, totalMs: 81.2, hops: 4 },
  'path.incomplete': { target: 'h.lab', hops: 1, error: 'tracepath stopped after 30000 ms' },
  'path.mtu': { target: 'h.lab', pathMtu: 1400 },
  'run.timedOut': { maxRunMs: 60_000 },
  'snmp.noAnswer': { address: '10.0.0.9', error: 'Request timed out' },
  'snmp.saturated': { address: '10.0.0.9', interface: 'ge-0/0/1', ifIndex: 1, utilisationRatio: 0.9434, inBitsPerSecond: 943_400_000, outBitsPerSecond: 1_200_000 },
  'snmp.errors': { address: '10.0.0.9', interface: 'ifIndex 7', ifIndex: 7, errorRatio: 0.0123, errorsPerSecond: 1234.5 },
  'snmp.errorBurst': { address: '10.0.0.9', interface: 'eth0', ifIndex: 2, errorsPerSecond: 10, baselinePerSecond: 0.04, score: 41.25 },
  'snmp.trafficDrop': { address: '10.0.0.9', interface: 'eth0', ifIndex: 2, trafficBitsPerSecond: 12_000, baselineBitsPerSecond: 950_000_000, score: -12.5 },
};
