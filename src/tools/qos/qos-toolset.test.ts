/**
 * The toolset's contract: names, risks and roles, router commands (`qos plan "…"`,
 * `qos show eth0`), and engine errors returned as data rather than thrown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandRouter } from '../pipeline/command-router.js';
import { ToolRegistry } from '../tool-registry.js';
import type { ToolContext } from '../tool-contract.js';
import { assumedCapabilities } from './capabilities.js';
import { QosEngine } from './qos-engine.js';
import { createMemoryQosStore } from './qos-store.js';
import { qosToolset } from './qos-toolset.js';
import { createCommandRunner, type RunnerStatistics } from './tc-runner.js';

const statistics: RunnerStatistics = { processes: 0 };
const engine = new QosEngine({
  runner: createCommandRunner({ namespace: 'vq-never-created', statistics }),
  store: createMemoryQosStore(),
  guardrails: { allowedInterfaces: ['eth1'], allowDefaultRouteInterface: false },
  capabilities: async () => assumedCapabilities('unit test'),
});
const toolset = qosToolset(engine);
const context = {
  principal: { userId: 'u', userName: 'u', role: 'operator', tokenId: null },
  channel: 'api',
  conversationId: null,
  signal: new AbortController().signal,
  traceId: 't',
  executionId: 'e',
} as unknown as ToolContext;
const tool = (name: string) => toolset.tools.find((candidate) => candidate.name === name)!;

describe('qos toolset', () => {
  it('declares read and disruptive tools with the right roles', () => {
    assert.deepEqual(
      toolset.tools.map((item) => [item.name, item.risk, item.minRole]),
      [
        ['qos_plan', 'read', 'viewer'],
        ['qos_apply', 'disruptive', 'operator'],
        ['qos_rollback', 'disruptive', 'operator'],
        ['qos_confirm', 'mutate', 'operator'],
        ['qos_show', 'read', 'viewer'],
      ],
    );
  });

  it('is reachable through router commands', () => {
    const router = new CommandRouter(new ToolRegistry([toolset]));
    assert.deepEqual(router.route('qos plan "garantir 20 Mbit/s pour la vidéo sur eth1"'), {
      kind: 'call',
      tool: 'qos_plan',
      args: { intent: 'garantir 20 Mbit/s pour la vidéo sur eth1' },
    });
    assert.deepEqual(router.route('qos show eth0'), { kind: 'call', tool: 'qos_show', args: { interface: 'eth0' } });
    assert.deepEqual(router.route('qos rollback 42-abc'), { kind: 'call', tool: 'qos_rollback', args: { application: '42-abc' } });
    const apply = router.route('qos apply "limit ssh to 5M on eth1" confirmWithinMinutes=5');
    assert.equal(apply.kind === 'call' && apply.args.confirmWithinMinutes, 5);
  });

  it('returns errors as data and runs nothing for refused input', async () => {
    const nonsense = await tool('qos_plan').execute({ intent: 'make it fast on eth1' }, context);
    assert.equal(nonsense.status, 'error');
    assert.equal(nonsense.error?.code, 'qos_intent_not_understood');
    const outside = await tool('qos_apply').execute({ intent: 'limit ssh to 5 Mbit/s on eth7' }, context);
    assert.match(outside.error?.message ?? '', /eth7 is not in QOS_ALLOWED_INTERFACES \(eth1\)/);
    const unknown = await tool('qos_rollback').execute({ application: 'no-such-application' }, context);
    assert.equal(unknown.error?.code, 'not_found');
    assert.equal(statistics.processes, 0);
    assert.equal(tool('qos_show').inputSchema.safeParse({ interface: 'eth0 && reboot' }).success, false);
  });
});
