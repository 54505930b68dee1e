/**
 * Policies built from each named template, shared by the namespace tests and the benchmark.
 */
import type { PolicyInput } from '../../src/tools/qos/policy-model.js';
import { expandTemplate, templateNames, type TemplateName } from '../../src/tools/qos/templates.js';

/** A policy with one class from `template` plus a default class, on a 100 Mbit/s link. */
export function templatePolicy(device: string, template: TemplateName, rate = 20e6, linkRate = 100e6): PolicyInput {
  const output = expandTemplate(
    {
      template,
      name: template,
      rate,
      matches: [{ protocol: 'tcp', destinationPort: 5201 }],
      ...(template === 'fair-share' ? { hosts: ['198.19.9.2', '198.19.9.3'] } : {}),
    },
    { major: 1, parent: '1:1', nextMinor: 0x10, nextPriority: 10, linkRate },
  );
  return {
    interface: device,
    linkRate,
    root: { kind: 'htb', handle: '1:', defaultClass: '1:2' },
    classes: [
      { id: '1:1', parent: '1:', name: 'link', rate: linkRate, ceil: linkRate },
      ...output.classes,
      {
        id: '1:2',
        parent: '1:1',
        name: 'other',
        rate: Math.max(8_000, linkRate - output.classes[0]!.rate),
        ceil: linkRate,
        leaf: { kind: 'pfifo' },
      },
    ],
    filters: output.filters,
  };
}

/** A policy of `count` leaf classes under one parent (benchmark and scale tests). */
export function widePolicy(device: string, count: number, linkRate = 10e9): PolicyInput {
  const classes: PolicyInput['classes'] = [{ id: '1:1', parent: '1:', name: 'link', rate: linkRate, ceil: linkRate }];
  const filters: NonNullable<PolicyInput['filters']> = [];
  const each = Math.floor(linkRate / (count + 1) / 1000) * 1000;
  for (let index = 0; index < count; index++) {
    const id = `1:${(0x10 + index).toString(16)}`;
    classes.push({
      id,
      parent: '1:1',
      name: `class ${index}`,
      rate: each,
      ceil: linkRate,
      priority: index % 8,
      leaf: { kind: 'pfifo', limit: 100 },
    });
    filters.push({ classId: id, priority: 10 + index, classifier: 'u32', match: { protocol: 'tcp', destinationPort: 1024 + index } });
  }
  classes.push({ id: '1:2', parent: '1:1', name: 'other', rate: each, ceil: linkRate, leaf: { kind: 'pfifo' } });
  return { interface: device, linkRate, root: { kind: 'htb', handle: '1:', defaultClass: '1:2' }, classes, filters };
}

/** One policy holding every named template side by side (one class tree, one apply). */
export function allTemplatesPolicy(device: string, linkRate = 100e6): PolicyInput {
  const classes: PolicyInput['classes'] = [{ id: '1:1', parent: '1:', name: 'link', rate: linkRate, ceil: linkRate }];
  const filters: NonNullable<PolicyInput['filters']> = [];
  let guaranteed = 0;
  templateNames.forEach((template, index) => {
    const output = expandTemplate(
      {
        template,
        name: template,
        rate: 5e6,
        matches: [{ protocol: 'tcp', destinationPort: 6000 + index }],
        ...(template === 'fair-share' ? { hosts: ['198.19.9.2', '198.19.9.3'] } : {}),
      },
      { major: 1, parent: '1:1', nextMinor: 0x10 * (index + 1), nextPriority: 10 + filters.length, linkRate },
    );
    classes.push(...output.classes);
    filters.push(...output.filters);
    guaranteed += output.classes[0]!.rate;
  });
  classes.push({ id: '1:2', parent: '1:1', name: 'other', rate: linkRate - guaranteed, ceil: linkRate, leaf: { kind: 'pfifo' } });
  return { interface: device, linkRate, root: { kind: 'htb', handle: '1:', defaultClass: '1:2' }, classes, filters };
}
