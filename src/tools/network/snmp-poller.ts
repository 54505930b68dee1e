/**
 * SNMP interface polling (net-snmp): IF-MIB ifTable and ifXTable (64-bit HC counters)
 * fetched with GetBulk table walks, SNMPv2c or SNMPv3 (auth and privacy), several devices
 * at once under a concurrency bound.
 */
// Types only: net-snmp (~15 MB) is imported when a device is first polled, not at start-up.
import type snmp from 'net-snmp';
import { mapWithConcurrency } from './command-runner.js';

/** How to reach one SNMP agent. */
export interface SnmpTarget {
  address: string;
  port?: number;
  version: '2c' | '3';
  community?: string;
  user?: {
    name: string;
    level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
    authProtocol?: 'md5' | 'sha' | 'sha256' | 'sha512';
    authKey?: string;
    privProtocol?: 'des' | 'aes';
    privKey?: string;
  };
}

/** Counters and state of one interface at one instant. */
export interface InterfaceSample {
  index: number;
  name: string;
  description: string;
  alias: string;
  operStatus: number;
  speedBitsPerSecond: number;
  inOctets: bigint;
  outOctets: bigint;
  /** Whether the octet counters are the 64-bit HC ones. */
  highCapacity: boolean;
  inErrors: number;
  outErrors: number;
  inDiscards: number;
  outDiscards: number;
  inUnicastPackets: number;
  outUnicastPackets: number;
}

/** One poll of one device. */
export interface DevicePoll {
  address: string;
  takenAt: number;
  durationMs: number;
  interfaces: InterfaceSample[];
  error?: string;
}

const IF_TABLE = '1.3.6.1.2.1.2.2';
const IF_X_TABLE = '1.3.6.1.2.1.31.1.1';
const IF_COLUMNS = ['2', '5', '8', '10', '11', '13', '14', '16', '17', '19', '20'];
const IF_X_COLUMNS = ['1', '6', '10', '15', '18'];

function toBigInt(value: unknown): bigint {
  if (Buffer.isBuffer(value)) return value.length === 0 ? 0n : BigInt('0x' + value.toString('hex'));
  if (typeof value === 'number' || typeof value === 'bigint') return BigInt(value);
  return 0n;
}

const toNumber = (value: unknown) => (typeof value === 'number' ? value : Number(toBigInt(value)));
type SnmpModule = typeof snmp;

const toText = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : value === undefined ? '' : String(value));

function openSession(snmp: SnmpModule, target: SnmpTarget, timeoutMs: number): snmp.Session {
  const common = { port: target.port ?? 161, timeout: timeoutMs, retries: 1, transport: 'udp4' as const };
  if (target.version === '2c')
    return snmp.createSession(target.address, target.community ?? 'public', { ...common, version: snmp.Version2c });
  const user = target.user;
  if (!user) throw new Error('SNMPv3 needs a user');
  return snmp.createV3Session(
    target.address,
    {
      name: user.name,
      level: snmp.SecurityLevel[user.level],
      ...(user.authProtocol ? { authProtocol: snmp.AuthProtocols[user.authProtocol], authKey: user.authKey } : {}),
      ...(user.privProtocol ? { privProtocol: snmp.PrivProtocols[user.privProtocol], privKey: user.privKey } : {}),
    },
    { ...common, version: snmp.Version3 },
  );
}

function tableColumns(session: snmp.Session, oid: string, columns: string[]): Promise<snmp.TableColumnsData> {
  return new Promise((resolve, reject) => {
    session.tableColumns(oid, columns, 50, (error, table) => (error ? reject(error) : resolve(table ?? {})));
  });
}

/** Polls one device's interface tables. Errors are returned in the result, not thrown. */
export async function pollDevice(target: SnmpTarget, timeoutMs: number): Promise<DevicePoll> {
  const started = performance.now();
  let session: snmp.Session | undefined;
  try {
    session = openSession((await import('net-snmp')).default, target, timeoutMs);
    const [ifTable, ifXTable] = await Promise.all([
      tableColumns(session, IF_TABLE, IF_COLUMNS),
      tableColumns(session, IF_X_TABLE, IF_X_COLUMNS).catch(() => ({}) as snmp.TableColumnsData),
    ]);
    const takenAt = Date.now();
    const interfaces: InterfaceSample[] = Object.entries(ifTable).map(([indexText, row]) => {
      const columns = row as unknown as Record<string, unknown>;
      const extended = ((ifXTable as Record<string, unknown>)[indexText] ?? {}) as Record<string, unknown>;
      const highCapacity = extended['6'] !== undefined && extended['10'] !== undefined;
      const highSpeed = toNumber(extended['15']);
      return {
        index: Number(indexText),
        name: toText(extended['1']) || toText(columns['2']),
        description: toText(columns['2']),
        alias: toText(extended['18']),
        operStatus: toNumber(columns['8']),
        speedBitsPerSecond: highSpeed > 0 ? highSpeed * 1_000_000 : toNumber(columns['5']),
        inOctets: highCapacity ? toBigInt(extended['6']) : toBigInt(columns['10']),
        outOctets: highCapacity ? toBigInt(extended['10']) : toBigInt(columns['16']),
        highCapacity,
        inErrors: toNumber(columns['14']),
        outErrors: toNumber(columns['20']),
        inDiscards: toNumber(columns['13']),
        outDiscards: toNumber(columns['19']),
        inUnicastPackets: toNumber(columns['11']),
        outUnicastPackets: toNumber(columns['17']),
      };
    });
    interfaces.sort((a, b) => a.index - b.index);
    return { address: target.address, takenAt, durationMs: Math.round(performance.now() - started), interfaces };
  } catch (error) {
    return {
      address: target.address,
      takenAt: Date.now(),
      durationMs: Math.round(performance.now() - started),
      interfaces: [],
      error: (error as Error).message,
    };
  } finally {
    session?.close();
  }
}

/** Polls several devices with at most `concurrency` sessions open. */
export function pollDevices(targets: SnmpTarget[], options: { concurrency: number; timeoutMs: number }): Promise<DevicePoll[]> {
  return mapWithConcurrency(targets, options.concurrency, (target) => pollDevice(target, options.timeoutMs));
}
