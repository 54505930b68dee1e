/**
 * Deterministic French/English intent parser: "Garantir QoS vidéo entre VLAN 10 et 20 avec
 * BP min 100Mbps sur eth0" → a policy. Every word is either understood or reported back;
 * the parser never drops text silently, so what the operator approves is what they meant.
 */
import { AppError } from '../../errors.js';
import {
  ACTION_PATTERNS,
  ADDRESS,
  APPLICATION_PATTERNS,
  RATE_TOKEN,
  STOPWORDS,
  templateFor,
  word,
  type IntentAction,
} from './intent-vocabulary.js';
import { policySchema, type Policy, type PolicyInput, type PolicyMatch } from './policy-model.js';
import { applicationMatches, expandTemplate, templateWidth, type TemplateRequest } from './templates.js';
import { humanRate, parseRate } from './units.js';

/** The text could not be turned into a policy; `problems` says exactly why, clause by clause. */
export class IntentParseError extends AppError {
  constructor(readonly problems: string[]) {
    super(
      'qos_intent_not_understood',
      400,
      `I could not turn this into a QoS policy: ${problems.join('; ')}`,
      problems.map((problem) => ({ path: 'intent', message: problem })),
    );
  }
}

/** What the parser understood from one clause, shown in the plan. */
export interface IntentClause {
  text: string;
  action: IntentAction;
  application?: string;
  template: string;
  rate: number;
  ceil?: number;
  matches: PolicyMatch[];
}

/** A parsed intent. */
export interface ParsedIntent {
  policy: Policy;
  clauses: IntentClause[];
  warnings: string[];
}

/** Defaults the caller knows (the interface of the conversation, the probed link speed). */
export interface IntentOptions {
  defaultInterface?: string;
  linkRate?: number;
}

class Clause {
  constructor(public text: string) {}

  /** Returns every match of `pattern` and blanks it out of the clause. */
  take(pattern: RegExp, accept: (match: RegExpExecArray) => boolean = () => true): RegExpExecArray[] {
    const found: RegExpExecArray[] = [];
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    for (let match = global.exec(this.text); match; match = global.exec(this.text)) {
      if (accept(match)) found.push(match);
      if (match[0].length === 0) global.lastIndex++;
    }
    for (const match of found.reverse())
      this.text = this.text.slice(0, match.index) + ' '.repeat(match[0].length) + this.text.slice(match.index + match[0].length);
    return found.reverse();
  }

  leftovers(): string[] {
    return this.text
      .split(/[\s,;:()'"’!?.]+/u)
      .map((token) => token.trim())
      .filter((token) => token.length > 0 && !STOPWORDS.has(token));
  }
}

const INTERFACE = String.raw`([a-z][a-z0-9_.-]{0,14})`;
const ADDRESS_LIST = String.raw`${ADDRESS}((?:\s*(?:,|et|and)\s*\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?)*)`;
const HOST_WORDS = String.raw`(?:(?:l'|le |la |the )?(?:h[ôo]tes?|hosts?|sous-r[ée]seau|subnet|r[ée]seau|network|machines?|adresse|address)\s+)?`;

function addresses(first: string, rest: string | undefined): string[] {
  return [first, ...(rest ?? '').split(/\s*(?:,|et|and)\s*/u).filter(Boolean)];
}

function splitClauses(text: string): string[] {
  return text
    .split(
      /;|\n|\.\s+|\.$|,?\s+(?:puis|then|and also|et aussi|ensuite)\s+|,\s+(?=(?:garanti|limit|priori|partag|guarantee|cap|throttle|reserve|r[ée]serv|assur|ensure|fair)\w*)/iu,
    )
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Parses an intent in French or English; throws IntentParseError listing what it could not read. */
export function parseIntent(text: string, options: IntentOptions = {}): ParsedIntent {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (text.trim().length === 0) throw new IntentParseError(['the intent is empty']);
  if (text.length > 2_000) throw new IntentParseError(['the intent is longer than 2000 characters']);
  const byteUnit = /(?<![\d.,])\d+(?:[.,]\d+)?\s*([KMG]B(?:\/s|ps)?|[kKmMgG]o\/s|[kKmMgG]?octets?)(?![\p{L}])/u.exec(text);
  if (byteUnit)
    throw new IntentParseError([
      `"${byteUnit[0]}" uses a byte unit; byte units are ambiguous here, write the rate in bits (kbit, Mbit, Gbit)`,
    ]);
  const whole = new Clause(text.normalize('NFC').toLowerCase().replace(/[’`]/gu, "'"));
  const interfaces = whole
    .take(
      new RegExp(
        String.raw`(?<![\p{L}])(?:sur|on|interface|dev|iface|via)\s+(?:l'interface\s+|the interface\s+|interface\s+)?${INTERFACE}(?![\p{L}\p{N}_.-])`,
        'giu',
      ),
      (match) => /\d|^(eth|en|wl|br|bond|veth|vq|lo|ifb|tun|tap)/u.test(match[1]!),
    )
    .map((match) => match[1]!);
  const linkMatches = whole.take(
    /(?:lien|link|liaison)(?:\s+speed)?\s+(?:de\s+|of\s+|à\s+|at\s+)?(\d+(?:[.,]\d+)?\s*[a-zé/]+)|(?:on\s+an?\s+|sur\s+un\s+)?(\d+(?:[.,]\d+)?\s*[a-zé/]+)\s+(?:link|lien)/giu,
  );
  const ingress = whole.take(/\b(en entr[ée]e|entrant|ingress|incoming|inbound|download|t[ée]l[ée]chargement|descendant)\b/giu).length > 0;
  whole.take(/\b(egress|outgoing|outbound|en sortie|sortant|upload|montant)\b/giu);
  const uniqueInterfaces = [...new Set(interfaces)];
  if (uniqueInterfaces.length > 1)
    problems.push(`the intent names several interfaces (${uniqueInterfaces.join(', ')}); a policy applies to one`);
  const iface = uniqueInterfaces[0] ?? options.defaultInterface;
  if (!iface) problems.push('which interface? add "on eth0" or "sur eth0"');
  let linkRate = options.linkRate ?? 1e9;
  for (const match of linkMatches) {
    try {
      linkRate = parseRate(match[1] ?? match[2]!);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const clauses: IntentClause[] = [];
  for (const part of splitClauses(whole.text)) {
    const clause = parseClause(part, problems, warnings, linkRate);
    if (clause) clauses.push(clause);
  }
  if (clauses.length === 0 && problems.length === 0)
    problems.push('no clause asks for anything (guarantee, limit, prioritise or share fairly)');
  if (problems.length > 0) throw new IntentParseError(problems);
  return { policy: buildPolicy(iface!, ingress, linkRate, clauses), clauses, warnings };
}

function parseClause(raw: string, problems: string[], warnings: string[], linkRate: number): IntentClause | undefined {
  const clause = new Clause(raw);
  const quote = `"${raw.trim().replace(/\s+/gu, ' ')}"`;
  const actions = new Set<IntentAction>();
  for (const [action, pattern] of ACTION_PATTERNS) if (clause.take(pattern).length > 0) actions.add(action);
  const applications = new Set<string>();
  for (const [application, pattern] of APPLICATION_PATTERNS) if (clause.take(pattern).length > 0) applications.add(application);
  const vlans = clause
    .take(/\b(?:entre|between)\s+(?:les\s+|the\s+)?vlans?\s+(\d+)\s+(?:et|and)\s+(?:le\s+|the\s+)?(?:vlan\s+)?(\d+)/giu)
    .flatMap((match) => [Number(match[1]), Number(match[2])]);
  vlans.push(...clause.take(/\bvlans?\s+(\d+)/giu).map((match) => Number(match[1])));
  const pairs = clause
    .take(new RegExp(String.raw`(?:entre|between)\s+${HOST_WORDS}${ADDRESS}\s+(?:et|and)\s+${HOST_WORDS}${ADDRESS}`, 'giu'))
    .map((match) => [match[1]!, match[2]!] as const);
  const sources = clause
    .take(new RegExp(String.raw`(?:from|depuis|de|du|des|source)\s+${HOST_WORDS}${ADDRESS_LIST}`, 'giu'))
    .flatMap((match) => addresses(match[1]!, match[2]));
  const destinations = clause
    .take(new RegExp(String.raw`(?:to|towards|vers|à|a|pour|destination|dst)\s+${HOST_WORDS}${ADDRESS_LIST}`, 'giu'))
    .flatMap((match) => addresses(match[1]!, match[2]));
  const hosts = clause.take(new RegExp(String.raw`${HOST_WORDS}${ADDRESS_LIST}`, 'giu')).flatMap((match) => addresses(match[1]!, match[2]));
  const protocolPorts = clause
    .take(/\b(tcp|udp)\s*\/\s*(\d{1,5})\b/giu)
    .map((match) => ({ protocol: match[1] as 'tcp' | 'udp', port: Number(match[2]) }));
  const portMatches = clause.take(/\b(?:(tcp|udp)\s+)?ports?\s+(\d{1,5}(?:\s*(?:,|et|and)\s*\d{1,5})*)(?:\s+(tcp|udp))?/giu);
  for (const match of portMatches) {
    for (const port of match[2]!.split(/\s*(?:,|et|and)\s*/u))
      protocolPorts.push({ protocol: (match[1] ?? match[3]) as 'tcp' | 'udp', port: Number(port) });
  }
  const protocols = clause.take(/\b(tcp|udp|icmp)\b/giu).map((match) => match[1] as 'tcp' | 'udp' | 'icmp');
  const dscps = clause.take(/\bdscp\s+(ef|af[1-4][1-3]|cs[0-7]|\d{1,2})\b/giu).map((match) => dscpValue(match[1]!));
  const marks = clause.take(/\b(?:fwmark|mark|marque)\s+(0x[0-9a-f]+|\d+)\b/giu).map((match) => Number(match[1]));
  const ceilings: number[] = [];
  const rates: number[] = [];
  for (const match of clause.take(
    new RegExp(
      String.raw`(?:max(?:imum)?|au plus|at most|up to|jusqu'[àa]|plafond(?:\s+de)?|ceil(?:ing)?(?:\s+of)?|borrow(?:ing)? up to|pouvant monter [àa])\s+(?:de\s+|of\s+|à\s+)?(${RATE_TOKEN.source})`,
      'giu',
    ),
  )) {
    readRate(match[1]!, ceilings, problems);
  }
  for (const match of clause.take(RATE_TOKEN)) readRate(match[0], rates, problems);
  for (const port of protocolPorts)
    if (port.port < 1 || port.port > 65535) problems.push(`port ${port.port} in ${quote} is not between 1 and 65535`);
  for (const vlan of vlans) if (vlan < 1 || vlan > 4094) problems.push(`VLAN ${vlan} in ${quote} is not between 1 and 4094`);
  for (const mark of marks)
    if (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff) problems.push(`fwmark ${mark} in ${quote} is out of range`);
  for (const address of [...pairs.flat(), ...sources, ...destinations, ...hosts]) {
    const [ip, prefix] = address.split('/');
    if (ip!.split('.').some((part) => Number(part) > 255) || (prefix !== undefined && Number(prefix) > 32))
      problems.push(`${address} in ${quote} is not a valid IPv4 address or subnet`);
  }
  const leftovers = clause.leftovers();
  if (leftovers.length > 0) problems.push(`in ${quote} I did not understand: ${leftovers.map((token) => `"${token}"`).join(', ')}`);
  if (actions.size === 0) {
    problems.push(
      `${quote} says what traffic but not what to do: use guarantee/garantir, limit/limiter, prioritise/prioriser or share fairly/partager équitablement`,
    );
    return undefined;
  }
  if (actions.size > 1)
    problems.push(`${quote} asks for several things at once (${[...actions].join(', ')}); write one clause per action, separated by ";"`);
  if (applications.size > 1)
    problems.push(`${quote} names several applications (${[...applications].join(', ')}); write one clause per application`);
  if (rates.length > 1)
    problems.push(`${quote} has several rates (${rates.map(humanRate).join(', ')}); give one, and "up to X" for a ceiling`);
  const action = [...actions][0]!;
  const application = [...applications][0];
  const base: PolicyMatch[] = buildMatches({
    pairs,
    sources,
    destinations,
    vlans,
    protocolPorts,
    protocols,
    dscps,
    marks,
    hosts: action === 'fair-share' ? [] : hosts,
  });
  const appMatches = application ? applicationMatches[application]!.matches : [];
  const matches = combineMatches(base, appMatches);
  if (matches.length === 0 && action !== 'fair-share') {
    problems.push(
      `${quote} does not say which traffic: name an application (video, voip, ssh, backups, web, dns, critical), VLANs, hosts or subnets, ports, a DSCP value or a fwmark`,
    );
    return undefined;
  }
  let rate = rates[0];
  if (rate === undefined) {
    if (action === 'guarantee' || action === 'limit') {
      problems.push(`${quote} needs a rate, e.g. "${action === 'limit' ? 'limit backups to 50 Mbit/s' : 'guarantee 20 Mbit/s for video'}"`);
      return undefined;
    }
    rate = Math.max(8_000, Math.floor(linkRate / 10));
    warnings.push(`${quote} gives no rate: reserving 10% of the link (${humanRate(rate)}); add a rate to change it`);
  }
  const ceil = ceilings[0];
  if (ceil !== undefined && action === 'limit') problems.push(`${quote} is a limit; "up to" only applies to guarantees`);
  const clauseResult: IntentClause = { text: raw.trim(), action, template: templateFor(action, application), rate, matches };
  if (application) clauseResult.application = application;
  if (ceil !== undefined) clauseResult.ceil = ceil;
  if (action === 'fair-share' && hosts.length > 0) (clauseResult as IntentClause & { hosts?: string[] }).hosts = hosts;
  return clauseResult;
}

function readRate(text: string, into: number[], problems: string[]): void {
  try {
    into.push(parseRate(text));
  } catch (error) {
    problems.push((error as Error).message);
  }
}

/** A DSCP name (ef, af41, cs3) or number as its value. */
export function dscpValue(name: string): number {
  if (/^\d+$/u.test(name)) return Math.min(63, Number(name));
  if (name === 'ef') return 46;
  if (name.startsWith('cs')) return Number(name[2]) * 8;
  return Number(name[2]) * 8 + Number(name[3]) * 2;
}

interface Selectors {
  pairs: (readonly [string, string])[];
  sources: string[];
  destinations: string[];
  vlans: number[];
  protocolPorts: { protocol: 'tcp' | 'udp' | undefined; port: number }[];
  protocols: ('tcp' | 'udp' | 'icmp')[];
  dscps: number[];
  marks: number[];
  hosts: string[];
}

function buildMatches(selectors: Selectors): PolicyMatch[] {
  let matches: PolicyMatch[] = [{}];
  const expand = (options: PolicyMatch[]) => {
    if (options.length === 0) return;
    matches = matches.flatMap((match) => options.map((option) => ({ ...match, ...option })));
  };
  expand(
    selectors.pairs.flatMap(([a, b]) => [
      { source: a, destination: b },
      { source: b, destination: a },
    ]),
  );
  expand(selectors.sources.map((source) => ({ source })));
  expand(selectors.destinations.map((destination) => ({ destination })));
  expand(selectors.hosts.map((destination) => ({ destination })));
  expand(selectors.vlans.map((vlanId) => ({ vlanId })));
  const protocol = selectors.protocols[0];
  expand(
    selectors.protocolPorts.map(({ protocol: portProtocol, port }) => ({
      destinationPort: port,
      ...((portProtocol ?? protocol) ? { protocol: portProtocol ?? protocol } : {}),
    })),
  );
  if (selectors.protocolPorts.length === 0 && protocol) expand([{ protocol }]);
  expand(selectors.dscps.map((dscp) => ({ dscp })));
  expand(selectors.marks.map((fwmark) => ({ fwmark })));
  return matches.filter((match) => Object.keys(match).length > 0);
}

/** Narrows an application's default matches with the clause's own selectors (shared with the model reading). */
export function combineMatches(base: PolicyMatch[], application: PolicyMatch[]): PolicyMatch[] {
  if (application.length === 0) return base;
  if (base.length === 0) return application;
  // User-given ports or DSCP replace the application's defaults; addresses and VLANs narrow them.
  const overrides = base.some((match) => match.destinationPort !== undefined || match.dscp !== undefined || match.fwmark !== undefined);
  if (overrides) return base;
  return base.flatMap((match) => application.map((app) => ({ ...app, ...match })));
}

/** Compiles understood clauses into a policy; the model's reading of an intent goes through here too. */
export function buildPolicy(iface: string, ingress: boolean, linkRate: number, clauses: IntentClause[]): Policy {
  const classes: PolicyInput['classes'] = [{ id: '1:1', parent: '1:', name: 'link', rate: linkRate, ceil: linkRate, priority: 0 }];
  const filters: NonNullable<PolicyInput['filters']> = [];
  let minor = 0x10;
  let priority = 10;
  let guaranteed = 0;
  for (const clause of clauses) {
    const request: TemplateRequest = {
      template: clause.template as TemplateRequest['template'],
      name: `${clause.action} ${clause.application ?? 'traffic'} ${Math.floor(minor / 16)}`,
      rate: clause.rate,
      matches: clause.matches,
      ...(clause.ceil !== undefined ? { ceil: clause.ceil } : {}),
      ...((clause as IntentClause & { hosts?: string[] }).hosts ? { hosts: (clause as IntentClause & { hosts?: string[] }).hosts! } : {}),
    };
    const output = expandTemplate(request, { major: 1, parent: '1:1', nextMinor: minor, nextPriority: priority, linkRate });
    classes.push(...output.classes);
    filters.push(...output.filters);
    guaranteed += output.classes[0]!.rate;
    minor += Math.ceil(templateWidth(request) / 16) * 16;
    priority += output.filters.length;
  }
  const remaining = Math.max(8_000, linkRate - guaranteed);
  classes.push({
    id: '1:2',
    parent: '1:1',
    name: 'other traffic',
    rate: remaining,
    ceil: linkRate,
    priority: 7,
    leaf: { kind: 'fq_codel' },
  });
  return policySchema.parse({
    interface: iface,
    direction: ingress ? 'ingress' : 'egress',
    linkRate,
    root: { kind: 'htb', handle: '1:', defaultClass: '1:2' },
    classes,
    filters,
  });
}

/** Re-exported for callers that build their own clause words. */
export { word };
