/**
 * The command router (no model) reaches the network tools: `net check 10.0.0.1 ports=22,443`
 * becomes a valid `net_check` call, and help lists the network commands.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { CommandRouter } from '../../src/tools/pipeline/command-router.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';

describe('network commands through the router', () => {
  const toolset = networkToolset({
    config: loadConfig({}),
    database: { prisma: {} } as unknown as Database,
    logger: pino({ level: 'silent' }),
  });
  const router = new CommandRouter(new ToolRegistry([toolset]));

  it('routes net check with positional targets and key=value ports', () => {
    const routed = router.route('net check 10.0.0.1 ports=22,443', 'operator');
    assert.equal(routed.kind, 'call');
    if (routed.kind !== 'call') return;
    assert.equal(routed.tool, 'net_check');
    const tool = toolset.tools.find((entry) => entry.name === 'net_check')!;
    const input = tool.inputSchema.parse(routed.args) as { targets: string[]; ports: number[] };
    assert.deepEqual(input.targets, ['10.0.0.1']);
    assert.deepEqual(input.ports, [22, 443]);
  });

  it('routes net path, net interfaces and net snmp', () => {
    const path = router.route('net path 10.0.2.2', 'operator');
    assert.deepEqual(path.kind === 'call' && [path.tool, path.args], ['net_path', { target: '10.0.2.2' }]);
    const interfaces = router.route('net interfaces', 'viewer');
    assert.equal(interfaces.kind === 'call' && interfaces.tool, 'net_interfaces');
    const snmp = router.route('net snmp 10.0.0.1 community=public polls=3', 'operator');
    assert.equal(snmp.kind === 'call' && snmp.tool, 'net_snmp_poll');
    if (snmp.kind === 'call') {
      const input = toolset.tools.find((entry) => entry.name === 'net_snmp_poll')!.inputSchema.parse(snmp.args) as {
        polls: number;
        targets: string[];
      };
      assert.equal(input.polls, 3);
      assert.deepEqual(input.targets, ['10.0.0.1']);
    }
  });

  it('refuses a huge port range at the schema, before any execution', () => {
    const routed = router.route('net check 10.0.0.1 ports=1-65535', 'operator');
    assert.equal(routed.kind, 'call');
    if (routed.kind !== 'call') return;
    const parsed = toolset.tools.find((entry) => entry.name === 'net_check')!.inputSchema.safeParse(routed.args);
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /too large/);
  });

  it('lists the network commands in help', () => {
    const help = router.helpText('operator');
    for (const name of ['net check', 'net path', 'net interfaces', 'net snmp']) assert.match(help, new RegExp(`^  ${name} `, 'm'));
  });
});
