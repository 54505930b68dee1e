/**
 * DNS resolution with per-record-type timings (A, AAAA, CNAME, MX), through the system
 * resolver's servers or given ones, so slow or failing resolution shows up as a finding.
 */
import { Resolver } from 'node:dns/promises';

/** Record types the DNS check asks for. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX'] as const;

/** One record type's answer. */
export interface DnsAnswer {
  type: (typeof DNS_RECORD_TYPES)[number];
  records: string[];
  durationMs: number;
  error?: string;
}

/** All answers for one name. */
export interface DnsResult {
  name: string;
  servers: string[];
  answers: DnsAnswer[];
}

/** Resolves `name` for each record type with a timeout per query. */
export async function resolveName(name: string, options: { timeoutMs: number; servers?: string[] }): Promise<DnsResult> {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);
  const query = async (type: DnsAnswer['type']): Promise<DnsAnswer> => {
    const started = performance.now();
    try {
      const records =
        type === 'A'
          ? await resolver.resolve4(name)
          : type === 'AAAA'
            ? await resolver.resolve6(name)
            : type === 'CNAME'
              ? await resolver.resolveCname(name)
              : (await resolver.resolveMx(name)).map((entry) => `${entry.priority} ${entry.exchange}`);
      return { type, records, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (error) {
      return {
        type,
        records: [],
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        error: (error as NodeJS.ErrnoException).code ?? String(error),
      };
    }
  };
  return { name, servers: resolver.getServers(), answers: await Promise.all(DNS_RECORD_TYPES.map(query)) };
}
