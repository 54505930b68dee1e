/**
 * Compiler, fallbacks and validation without a kernel: every template, classifier, leaf and
 * root kind compiles to the expected tc argv on a full kernel; this kernel's gaps become
 * documented fallbacks or refusals; invalid policies list every reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KernelCapabilities } from './capabilities.js';
import { compilePolicy } from './compiler.js';
import { resolveForKernel } from './fallbacks.js';
import { policySchema, type PolicyInput } from './policy-model.js';
import { assertSafeArguments, createCommandRunner } from './tc-runner.js';
import { expandTemplate, templateNames } from './templates.js';
import { findPolicyIssues } from './validation.js';
import { formatRate, parseRate, parseTcRate, parseTcSize } from './units.js';

const FULL: KernelCapabilities = {
  qdiscs: { htb: true, hfsc: true, drr: true, pfifo: true, fq_codel: true, sfq: true, cake: true, netem: true },
  classifiers: { u32: true, flower: true, fw: true, bpf: true },
  actions: { police: true, mirred: true },
  ifb: true,
  source: 'probe',
};
const THIS_KERNEL: KernelCapabilities = {
  qdiscs: {
    htb: true,
    pfifo: true,
    tbf: true,
    hfsc: false,
    drr: false,
    fq_codel: false,
    sfq: false,
    cake: false,
    netem: false,
    prio: false,
  },
  classifiers: { u32: true, bpf: true, flower: false, fw: false, basic: false, matchall: false },
  actions: { police: false, mirred: true },
  ifb: true,
  source: 'probe',
};

function policy(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    interface: 'eth1',
    linkRate: 100e6,
    root: { kind: 'htb', defaultClass: '1:2' },
    classes: [
      { id: '1:1', parent: '1:', name: 'link', rate: 100e6, ceil: 100e6 },
      { id: '1:10', parent: '1:1', name: 'video', rate: 30e6, ceil: 100e6, priority: 1, leaf: { kind: 'fq_codel' } },
      { id: '1:2', parent: '1:1', name: 'other', rate: 10e6, ceil: 100e6, leaf: { kind: 'sfq' } },
    ],
    filters: [
      {
        classId: '1:10',
        priority: 10,
        match: { dscp: 34, protocol: 'udp', destinationPort: 5004, source: '198.19.1.0/24', destination: '198.19.2.7' },
      },
    ],
    ...overrides,
  };
}

const compile = (input: PolicyInput, capabilities = FULL) => compilePolicy(resolveForKernel(policySchema.parse(input), capabilities));

describe('units', () => {
  it('reads the rates people write', () => {
    for (const [text, bits] of [
      ['100M', 100e6],
      ['100 Mbps', 100e6],
      ['10 Mbit/s', 10e6],
      ['500kbit', 500e3],
      ['1Gbit', 1e9],
      ['1,5 Gbit/s', 1.5e9],
      ['64 kbps', 64e3],
      ['2 gigabits', 2e9],
    ] as const)
      assert.equal(parseRate(text), bits, text);
    assert.equal(formatRate(1.5e9), '1500mbit');
    assert.equal(formatRate(64e3), '64kbit');
    assert.equal(parseTcRate('999Kbit'), 999e3);
    assert.equal(parseTcSize('15Kb'), 15 * 1024);
  });
  it('refuses nonsense rates', () => {
    for (const text of ['fast', '10 parsecs', '0M', '50 MB/s', '5 Tbit', '-3M'])
      assert.throws(() => parseRate(text), /Cannot read the rate/, text);
  });
});

describe('compiler', () => {
  it('compiles an HTB tree with flower, leaves and a default class on a full kernel', () => {
    const compiled = compile(policy());
    assert.deepEqual(compiled.commands[0], ['qdisc', 'add', 'dev', 'eth1', 'root', 'handle', '1:', 'htb', 'default', '2']);
    assert.deepEqual(compiled.commands[2], [
      'class',
      'add',
      'dev',
      'eth1',
      'parent',
      '1:1',
      'classid',
      '1:10',
      'htb',
      'rate',
      '30mbit',
      'ceil',
      '100mbit',
      'prio',
      '1',
      'quantum',
      '200000',
    ]);
    assert.ok(compiled.commands.some((argv) => argv.join(' ') === 'qdisc add dev eth1 parent 1:10 handle 110: fq_codel'));
    assert.ok(compiled.batch.endsWith('flowid 1:10\n'));
    assert.match(
      compiled.batch,
      /u32 match ip dsfield 0x88 0xfc match ip src 198\.19\.1\.0\/24 match ip dst 198\.19\.2\.7\/32 match ip protocol 17 0xff match ip dport 5004 0xffff flowid 1:10/,
    );
    const flower = compile(
      policy({
        filters: [
          { classId: '1:10', priority: 10, classifier: 'flower', match: { vlanId: 10, protocol: 'tcp', sourcePort: 22, dscp: 46 } },
        ],
      }),
    );
    assert.equal(
      flower.commands.at(-1)!.join(' '),
      'filter add dev eth1 parent 1: protocol 802.1q prio 10 flower vlan_id 10 vlan_ethtype ipv4 ip_proto tcp src_port 22 ip_tos 0xb8/0xfc classid 1:10',
    );
  });

  it('expands every template and compiles it on both kernels', () => {
    for (const template of templateNames) {
      const output = expandTemplate(
        { template, name: template, rate: 20e6, matches: [{ dscp: 46 }], hosts: ['198.19.0.2', '198.19.0.3'] },
        { major: 1, parent: '1:1', nextMinor: 0x10, nextPriority: 10, linkRate: 100e6 },
      );
      const input = policy({ classes: [policy().classes[0]!, ...output.classes, policy().classes[2]!], filters: output.filters });
      assert.deepEqual(findPolicyIssues(policySchema.parse(input)), [], template);
      const full = compile(input);
      const here = compile(input, THIS_KERNEL);
      assert.ok(!here.batch.includes('fq_codel') && !here.batch.includes('sfq'), `${template}: no missing leaf on this kernel`);
      if (template === 'voice') {
        assert.match(full.batch, /action police rate 20mbit burst \d+b drop/);
        assert.doesNotMatch(here.batch, /police/);
        assert.equal(output.classes[0]!.ceil, output.classes[0]!.rate, 'voice is shaped at its reservation');
      }
      if (template === 'fair-share') assert.equal(output.classes.length, 3);
    }
  });

  it('compiles hfsc and drr roots, and falls back to htb where they are missing', () => {
    assert.match(
      compile(policy({ root: { kind: 'hfsc', defaultClass: '1:2' } })).batch,
      /classid 1:10 hfsc ls rate 30mbit ul rate 100mbit/,
    );
    assert.match(compile(policy({ root: { kind: 'drr' } })).batch, /root handle 1: drr\n/);
    const resolved = resolveForKernel(policySchema.parse(policy({ root: { kind: 'drr' } })), THIS_KERNEL);
    assert.equal(resolved.policy.root.kind, 'htb');
    assert.match(resolved.warnings.join('\n'), /root qdisc drr is not available on this kernel: using htb/);
  });

  it('applies documented fallbacks with warnings: leaves → pfifo, flower → u32, fw → bpf, police dropped', () => {
    const input = policy({
      filters: [
        { classId: '1:10', priority: 10, classifier: 'flower', match: { protocol: 'tcp', destinationPort: 22 }, policeRate: 1e6 },
        { classId: '1:10', priority: 11, match: { fwmark: 7 } },
      ],
    });
    const resolved = resolveForKernel(policySchema.parse(input), THIS_KERNEL);
    assert.deepEqual(resolved.refusals, []);
    assert.deepEqual(resolved.classifiers, ['u32', 'bpf']);
    const warnings = resolved.warnings.join('\n');
    assert.match(warnings, /fq_codel is not available .* falls back to pfifo/);
    assert.match(warnings, /sfq is not available/);
    assert.match(warnings, /flower is not available on this kernel: 1 filter\(s\) compiled to u32/);
    assert.match(warnings, /police action is not available/);
    const compiled = compilePolicy(resolved);
    assert.equal(
      compiled.commands.at(-1)!.join(' '),
      'filter add dev eth1 parent 1: protocol ip prio 11 bpf bytecode 4,32 0 0 4294963220,21 0 1 7,6 0 0 4294967295,6 0 0 0 classid 1:10',
    );
    assert.match(compiled.batch, /bpf bytecode "4,32 0 0 4294963220,21 0 1 7,6 0 0 4294967295,6 0 0 0" classid 1:10/);
    assert.equal(compile(input).commands.at(-1)!.join(' '), 'filter add dev eth1 parent 1: protocol ip prio 11 handle 7 fw classid 1:10');
  });

  it('refuses what has no honest fallback, with the reason', () => {
    const vlan = resolveForKernel(
      policySchema.parse(policy({ filters: [{ classId: '1:10', priority: 10, match: { vlanId: 10 } }] })),
      THIS_KERNEL,
    );
    assert.match(
      vlan.refusals[0]!,
      /no flower classifier and u32 cannot read an offloaded VLAN tag; apply the policy to the VLAN sub-interface/,
    );
    const netem = policy();
    netem.classes[1] = { ...netem.classes[1]!, leaf: { kind: 'netem' } };
    assert.match(resolveForKernel(policySchema.parse(netem), THIS_KERNEL).refusals[0]!, /needs netem/);
    const ingress = resolveForKernel(policySchema.parse(policy({ direction: 'ingress' })), { ...THIS_KERNEL, ifb: false, actions: {} });
    assert.equal(ingress.refusals.length, 2);
  });

  it('compiles ingress shaping to an IFB device with mirred', () => {
    const compiled = compile(policy({ direction: 'ingress', ingressDevice: 'ifb7' }));
    assert.equal(compiled.device, 'ifb7');
    assert.deepEqual(compiled.preparation, [
      ['link', 'add', 'ifb7', 'type', 'ifb'],
      ['link', 'set', 'ifb7', 'up'],
    ]);
    assert.equal(compiled.commands[0]!.join(' '), 'qdisc add dev eth1 handle ffff: ingress');
    assert.equal(
      compiled.commands[1]!.join(' '),
      'filter add dev eth1 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb7',
    );
    assert.match(compiled.commands[2]!.join(' '), /^qdisc add dev ifb7 root handle 1: htb/);
  });
});

describe('validation', () => {
  const issues = (input: PolicyInput) => findPolicyIssues(policySchema.parse(input));
  it('accepts a sane policy', () => assert.deepEqual(issues(policy()), []));
  it('lists every problem', () => {
    const bad = policy({
      root: { kind: 'htb', defaultClass: '1:99' },
      classes: [
        { id: '1:1', parent: '1:', name: 'link', rate: 100e6, ceil: 200e6 },
        { id: '1:10', parent: '1:1', name: 'video', rate: 80e6, ceil: 50e6 },
        { id: '1:10', parent: '1:1', name: 'again', rate: 30e6 },
        { id: '1:20', parent: '1:7', name: 'orphan', rate: 1e6 },
        { id: '2:30', parent: '1:1', name: 'major', rate: 1e6 },
      ],
      filters: [
        { classId: '1:40', priority: 10, match: { dscp: 1 } },
        { classId: '1:1', priority: 10, match: { dscp: 2 } },
      ],
    });
    const found = issues(bad).join('\n');
    for (const expected of [
      /class 1:1 \(link\) has a ceiling 200 Mbit\/s, above the link speed 100 Mbit\/s/,
      /class 1:10 \(video\) has a ceiling 50 Mbit\/s below its guarantee 80 Mbit\/s/,
      /class id 1:10 is used twice/,
      /class 1:20 has parent 1:7, which is not declared before it/,
      /class 2:30 must use the root's major number 1/,
      /filter #1 sends traffic to 1:40, which is not a class of this policy/,
      /filter #2 sends traffic to 1:1, an inner class/,
      /filter #2 reuses priority 10/,
      /the default class 1:99 is not a class of this policy/,
    ])
      assert.match(found, expected);
  });
  it('refuses guarantees above the link and above the parent', () => {
    const over = policy();
    over.classes[1] = { ...over.classes[1]!, rate: 95e6 };
    assert.match(issues(over).join(), /guarantees under 1:1 add up to 105 Mbit\/s, above the ceiling of 1:1 \(link\) 100 Mbit\/s/);
    assert.match(issues(policy({ linkRate: 50e6 })).join(), /guarantees 100 Mbit\/s, above the link speed 50 Mbit\/s/);
  });
  it('refuses malformed names, ids and matches at the schema', () => {
    for (const bad of [
      policy({ interface: 'eth0; reboot' }),
      policy({ interface: 'a-very-long-interface-name' }),
      policy({ filters: [{ classId: '1:10', priority: 1, match: {} }] }),
      policy({ filters: [{ classId: '1:10', priority: 1, match: { source: '1.2.3.300' } }] }),
    ]) {
      assert.equal(policySchema.safeParse(bad).success, false);
    }
  });
});

describe('command runner', () => {
  it('refuses shell metacharacters before starting anything', async () => {
    for (const argument of ['eth0;reboot', '$(id)', 'a`b`', 'x|y', 'a&b', 'new\nline', "it's", 'a>b'])
      assert.throws(() => assertSafeArguments([argument]), /Refused argument/);
    await assert.rejects(createCommandRunner().run('tc', ['qdisc', 'show', 'dev', 'eth0;reboot']), /Refused argument/);
    assert.throws(() => createCommandRunner({ namespace: 'bad name' }), /Refused argument/);
  });
});
