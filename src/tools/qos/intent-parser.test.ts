/**
 * The deterministic parser on a table of French and English intents, and on text it must
 * refuse with a precise message instead of guessing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntentParseError, parseIntent } from './intent-parser.js';
import type { PolicyMatch } from './policy-model.js';

interface Expected {
  template: string;
  rate: number;
  ceil?: number;
  matches?: PolicyMatch[];
  direction?: 'egress' | 'ingress';
  interface?: string;
  linkRate?: number;
  clauses?: number;
}

const M = 1e6;
const VIDEO: PolicyMatch[] = [{ dscp: 34 }];
const BACKUPS: PolicyMatch[] = [{ protocol: 'tcp', destinationPort: 873 }, { dscp: 8 }];
const VOICE: PolicyMatch[] = [{ dscp: 46 }, { protocol: 'udp', destinationPort: 5060 }];
const SSH: PolicyMatch[] = [
  { protocol: 'tcp', destinationPort: 22 },
  { protocol: 'tcp', sourcePort: 22 },
];

const TABLE: [string, Expected][] = [
  [
    'Garantir QoS vidéo entre VLAN 10 et 20 avec BP min 100Mbps sur eth0',
    {
      template: 'video',
      rate: 100 * M,
      matches: [
        { dscp: 34, vlanId: 10 },
        { dscp: 34, vlanId: 20 },
      ],
    },
  ],
  ['guarantee 20 Mbit/s for video on eth0', { template: 'video', rate: 20 * M, matches: VIDEO }],
  ['Guarantee video 20Mbps on eth0', { template: 'video', rate: 20 * M, matches: VIDEO }],
  ['garantir 20 Mbit/s pour la visio sur eth0', { template: 'video', rate: 20 * M, matches: VIDEO }],
  ['réserver 15 mégabits pour la vidéo sur eth0', { template: 'video', rate: 15 * M, matches: VIDEO }],
  ['ensure 5M for voip on eth0', { template: 'voice', rate: 5 * M, matches: VOICE }],
  ['prioriser la voix avec 2 Mbit/s sur eth0', { template: 'voice', rate: 2 * M, matches: VOICE }],
  ['prioritise voice calls at 1 Mbps on eth0', { template: 'voice', rate: 1 * M, matches: VOICE }],
  ['prioritize VoIP 512kbit on eth0', { template: 'voice', rate: 512_000, matches: VOICE }],
  ['prioritise ssh on eth0', { template: 'priority', rate: 100 * M, matches: SSH }],
  ['prioriser ssh à 2 Mbit/s sur eth0', { template: 'priority', rate: 2 * M, matches: SSH }],
  ['limit backups to 50Mbps on eth0', { template: 'bulk-limit', rate: 50 * M, matches: BACKUPS }],
  ['Limiter les sauvegardes à 50 Mbit/s sur eth0', { template: 'bulk-limit', rate: 50 * M, matches: BACKUPS }],
  ['plafonner rsync à 1 Gbit sur eth0 sur un lien de 10 Gbit', { template: 'bulk-limit', rate: 1e9, matches: BACKUPS, linkRate: 10e9 }],
  ['throttle backup traffic to 100M on eth0', { template: 'bulk-limit', rate: 100 * M, matches: BACKUPS }],
  [
    'cap web at 300 kbps on eth0',
    {
      template: 'limit',
      rate: 300_000,
      matches: [
        { protocol: 'tcp', destinationPort: 443 },
        { protocol: 'tcp', destinationPort: 80 },
      ],
    },
  ],
  [
    'limit traffic from 198.19.1.0/24 to 10M on eth1',
    { template: 'limit', rate: 10 * M, matches: [{ source: '198.19.1.0/24' }], interface: 'eth1' },
  ],
  [
    'limiter le trafic depuis le sous-réseau 198.19.2.0/24 à 8 Mbit/s sur eth1',
    { template: 'limit', rate: 8 * M, matches: [{ source: '198.19.2.0/24' }], interface: 'eth1' },
  ],
  ['limit traffic to host 198.19.3.4 to 2 Mbit/s on eth0', { template: 'limit', rate: 2 * M, matches: [{ destination: '198.19.3.4' }] }],
  ['limiter le trafic vers 198.19.3.4 à 2 Mbit/s sur eth0', { template: 'limit', rate: 2 * M, matches: [{ destination: '198.19.3.4' }] }],
  [
    'guarantee 100M between 198.19.1.1 and 198.19.2.1 on eth0',
    {
      template: 'guarantee',
      rate: 100 * M,
      matches: [
        { source: '198.19.1.1', destination: '198.19.2.1' },
        { source: '198.19.2.1', destination: '198.19.1.1' },
      ],
    },
  ],
  [
    'garantir 100M entre 198.19.1.1 et 198.19.2.1 sur eth0',
    {
      template: 'guarantee',
      rate: 100 * M,
      matches: [
        { source: '198.19.1.1', destination: '198.19.2.1' },
        { source: '198.19.2.1', destination: '198.19.1.1' },
      ],
    },
  ],
  [
    'limit tcp port 8080 to 5 Mbps on eth0 ingress',
    { template: 'limit', rate: 5 * M, matches: [{ destinationPort: 8080, protocol: 'tcp' }], direction: 'ingress' },
  ],
  [
    'limiter le port 8080 en entrée à 5 Mbit/s sur eth0',
    { template: 'limit', rate: 5 * M, matches: [{ destinationPort: 8080 }], direction: 'ingress' },
  ],
  ['limit udp/53 to 1 Mbit/s on eth0', { template: 'limit', rate: 1 * M, matches: [{ destinationPort: 53, protocol: 'udp' }] }],
  [
    'guarantee 10 Mbit/s up to 50 Mbit/s for dscp af41 on eth0',
    { template: 'guarantee', rate: 10 * M, ceil: 50 * M, matches: [{ dscp: 34 }] },
  ],
  [
    "garantir 10 Mbit/s jusqu'à 40 Mbit/s pour dscp ef sur eth0",
    { template: 'guarantee', rate: 10 * M, ceil: 40 * M, matches: [{ dscp: 46 }] },
  ],
  ['limit fwmark 5 to 1 Gbit on eth0 on a 10 Gbit link', { template: 'limit', rate: 1e9, matches: [{ fwmark: 5 }], linkRate: 10e9 }],
  ['limiter la marque 0x10 à 3 Mbit/s sur eth0', { template: 'limit', rate: 3 * M, matches: [{ fwmark: 16 }] }],
  ['guarantee 40 Mbit/s for critical traffic on eth0', { template: 'business-critical', rate: 40 * M, matches: [{ dscp: 26 }] }],
  ['garantir 40 Mbit/s pour les applications métier sur eth0', { template: 'business-critical', rate: 40 * M, matches: [{ dscp: 26 }] }],
  [
    'share fairly between hosts 198.19.0.2, 198.19.0.3 and 198.19.0.4 with 30 Mbit/s on eth0',
    { template: 'fair-share', rate: 30 * M, matches: [] },
  ],
  [
    'partager équitablement 30 Mbit/s entre les hôtes 198.19.0.2 et 198.19.0.3 sur eth0',
    { template: 'fair-share', rate: 30 * M, matches: [] },
  ],
  [
    'garantir 20 Mbit/s pour la vidéo sur eth0; limiter les sauvegardes à 10M',
    { template: 'video', rate: 20 * M, matches: VIDEO, clauses: 2 },
  ],
  ['guarantee 20 Mbit/s for video, limit backups to 10 Mbit/s on eth0', { template: 'video', rate: 20 * M, matches: VIDEO, clauses: 2 }],
  ['guarantee 1.5 Gbit/s for video on eth0 on a 10 Gbit link', { template: 'video', rate: 1.5e9, matches: VIDEO, linkRate: 10e9 }],
  ['garantir 2,5 Mbit/s pour dns sur eth0', { template: 'guarantee', rate: 2.5 * M, matches: [{ protocol: 'udp', destinationPort: 53 }] }],
  ['limit vlan 30 to 10 kbit on eth0', { template: 'limit', rate: 10_000, matches: [{ vlanId: 30 }] }],
];

describe('intent parser', () => {
  it(`covers at least 30 phrasings (${TABLE.length})`, () => assert.ok(TABLE.length >= 30));
  for (const [text, expected] of TABLE) {
    it(text, () => {
      const parsed = parseIntent(text);
      const clause = parsed.clauses[0]!;
      assert.equal(clause.template, expected.template);
      assert.equal(clause.rate, expected.rate);
      assert.equal(clause.ceil, expected.ceil);
      if (expected.matches) assert.deepEqual(clause.matches, expected.matches);
      assert.equal(parsed.policy.direction, expected.direction ?? 'egress');
      assert.equal(parsed.policy.interface, expected.interface ?? 'eth0');
      assert.equal(parsed.policy.linkRate, expected.linkRate ?? 1e9);
      assert.equal(parsed.clauses.length, expected.clauses ?? 1);
      assert.equal(parsed.policy.root.defaultClass, '1:2');
    });
  }

  it('builds fair share as one child class per host', () => {
    const parsed = parseIntent('share fairly between hosts 198.19.0.2, 198.19.0.3 and 198.19.0.4 with 30 Mbit/s on eth0');
    const children = parsed.policy.classes.filter((item) => item.parent === '1:10');
    assert.equal(children.length, 3);
    assert.deepEqual(
      parsed.policy.filters.map((filter) => filter.match.destination),
      ['198.19.0.2', '198.19.0.3', '198.19.0.4'],
    );
  });

  it('uses the default interface and says when it reserves a share by itself', () => {
    const parsed = parseIntent('prioritise ssh', { defaultInterface: 'eth3', linkRate: 100e6 });
    assert.equal(parsed.policy.interface, 'eth3');
    assert.match(parsed.warnings[0]!, /reserving 10% of the link \(10 Mbit\/s\)/);
  });

  const REFUSED: [string, RegExp][] = [
    ['make the network faster please', /did not understand: "make", "faster"/],
    ['make the network faster please on eth0', /says what traffic but not what to do/],
    ['guarantee video on eth0', /needs a rate, e\.g\. "guarantee 20 Mbit\/s for video"/],
    ['limit on eth0 to 5 Mbit/s', /does not say which traffic/],
    ['garantir 5 zorgs pour la vidéo sur eth0', /did not understand: "5", "zorgs"/],
    ['limit backups to 50 MB/s on eth0', /"50 MB\/s" uses a byte unit/],
    ['limiter le web à 20,5 Mo/s sur eth0', /"20,5 Mo\/s" uses a byte unit/],
    ['limit backups to 50 Mo/s on eth0', /byte units are ambiguous/],
    ['limit backups to 50 Mbit/s', /which interface\?/],
    ['limit backups to 50 Mbit/s on eth0 and on eth1', /several interfaces/],
    ['guarantee and limit video to 5 Mbit/s on eth0', /several things at once/],
    ['limit video and backups to 5 Mbit/s on eth0', /several applications/],
    ['limit ssh to 5 Mbit/s and 6 Mbit/s on eth0', /several rates/],
    ['limit port 70000 to 5 Mbit/s on eth0', /port 70000 .* not between 1 and 65535/],
    ['limit traffic from 300.1.1.1 to 5 Mbit/s on eth0', /300\.1\.1\.1 .* not a valid IPv4/],
    ['limit vlan 5000 to 5 Mbit/s on eth0', /VLAN 5000 .* not between 1 and 4094/],
    ['limit ssh to 5 Mbit/s on eth0 $(reboot)', /did not understand: "\$", "reboot"/],
    ['limit ssh to 900 Gbit/s on eth0', /above 400Gbit/],
    ['', /empty/],
  ];
  for (const [text, message] of REFUSED) {
    it(`refuses ${JSON.stringify(text)} precisely`, () => {
      assert.throws(
        () => parseIntent(text),
        (error: unknown) => error instanceof IntentParseError && message.test(error.message),
      );
    });
  }
});
