/**
 * Every documented command form of the router, and bad input with clear errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool, type Toolset } from '../tool-contract.js';
import { ToolRegistry } from '../tool-registry.js';
import { CommandRouter } from './command-router.js';

const noop = async () => ({ status: 'success' as const, data: {} });
const toolset: Toolset = {
  name: 'net',
  description: 'network',
  async checkPrerequisites() {
    return { ok: true };
  },
  tools: [
    defineTool({
      name: 'net_check',
      description: 'Probe a host',
      inputSchema: z.object({
        target: z.string(),
        ports: z.array(z.coerce.number()).optional(),
        count: z.number().int().default(3),
        verbose: z.boolean().optional(),
        labels: z.object({}).passthrough().optional(),
      }),
      outputSchema: z.unknown(),
      risk: 'read',
      minRole: 'viewer',
      timeoutMs: 1000,
      aliases: ['net check', 'ping'],
      positional: ['target'],
      examples: ['net check 10.0.0.1 count=5'],
      execute: noop,
    }),
    defineTool({
      name: 'kb_search',
      description: 'Search',
      inputSchema: z.object({ query: z.string() }),
      outputSchema: z.unknown(),
      risk: 'read',
      minRole: 'viewer',
      timeoutMs: 1000,
      positional: ['query'],
      execute: noop,
    }),
    defineTool({
      name: 'qos_apply',
      description: 'Apply shaping',
      inputSchema: z.object({}),
      outputSchema: z.unknown(),
      risk: 'mutate',
      minRole: 'operator',
      timeoutMs: 1000,
      execute: noop,
    }),
  ],
};
const router = new CommandRouter(new ToolRegistry([toolset]));

describe('command router', () => {
  it('routes names, multi-word aliases, positionals, key=value, quotes and JSON', () => {
    assert.deepEqual(router.route('net_check 10.0.0.1'), { kind: 'call', tool: 'net_check', args: { target: '10.0.0.1' } });
    assert.deepEqual(router.route('net   check 10.0.0.1 count=5 verbose=yes'), {
      kind: 'call',
      tool: 'net_check',
      args: { target: '10.0.0.1', count: 5, verbose: true },
    });
    assert.deepEqual(router.route('/ping target=host.example ports=22,443'), {
      kind: 'call',
      tool: 'net_check',
      args: { target: 'host.example', ports: [22, 443] },
    });
    assert.deepEqual(router.route('!PING "my host"'), { kind: 'call', tool: 'net_check', args: { target: 'my host' } });
    assert.deepEqual(router.route(`net_check target='a "b"' labels='{"site":"DLA"}'`), {
      kind: 'call',
      tool: 'net_check',
      args: { target: 'a "b"', labels: { site: 'DLA' } },
    });
    assert.deepEqual(router.route('net_check {"target":"10.1.1.1","count":2}'), {
      kind: 'call',
      tool: 'net_check',
      args: { target: '10.1.1.1', count: 2 },
    });
    assert.deepEqual(router.route('kb_search core router flapping'), {
      kind: 'call',
      tool: 'kb_search',
      args: { query: 'core router flapping' },
    });
    assert.deepEqual(router.route('kb_search "say \\"hi\\""'), { kind: 'call', tool: 'kb_search', args: { query: 'say "hi"' } });
    assert.deepEqual(router.route('pingpong 1'), { kind: 'not_command' });
    assert.deepEqual(router.route('why is the network slow?'), { kind: 'not_command' });
    assert.deepEqual(router.route('   '), { kind: 'not_command' });
  });

  it('with strict parsing (a model is configured), a free-text tail is not a complete command', () => {
    assert.deepEqual(router.route('kb_search vpn', 'admin', { strict: true }), { kind: 'call', tool: 'kb_search', args: { query: 'vpn' } });
    assert.throws(() => router.route('kb_search core router flapping', 'admin', { strict: true }), /takes one word as query/);
    assert.deepEqual(router.route('kb_search "core router flapping"', 'admin', { strict: true }), {
      kind: 'call',
      tool: 'kb_search',
      args: { query: 'core router flapping' },
    });
  });

  it('coerces list words for array-or-string (anyOf) schemas, as transform-free tool schemas declare them', () => {
    const lists = new CommandRouter(
      new ToolRegistry([
        {
          name: 'lists',
          description: 'lists',
          checkPrerequisites: async () => ({ ok: true }),
          tools: [
            defineTool({
              name: 'probe',
              description: 'probe',
              inputSchema: z.object({
                hosts: z.union([z.array(z.string()), z.string()]),
                ports: z.array(z.union([z.number(), z.string()])).optional(),
              }),
              outputSchema: z.unknown(),
              risk: 'read',
              minRole: 'viewer',
              timeoutMs: 1000,
              positional: ['hosts'],
              execute: noop,
            }),
          ],
        },
      ]),
    );
    assert.deepEqual(lists.route('probe a,b ports=22,8000-8010'), {
      kind: 'call',
      tool: 'probe',
      args: { hosts: ['a', 'b'], ports: [22, '8000-8010'] },
    });
  });

  it('generates help from the registry, filtered by role', () => {
    const all = router.route('help', 'operator');
    assert.equal(all.kind, 'help');
    assert.match((all as { text: string }).text, /qos_apply.*needs approval/);
    assert.doesNotMatch((router.route('help', 'viewer') as { text: string }).text, /qos_apply/);
    const one = router.route('help net check') as { text: string };
    assert.match(one.text, /Usage: net check <target>/, 'help names commands as the README does (first alias)');
    assert.match(one.text, /^net check \(net_check\)/);
    assert.match(one.text, /count=<integer> \(optional, default 3\)/);
    assert.match(one.text, /Aliases: net check, ping/);
    assert.match(one.text, /Examples:\n {2}net check 10.0.0.1 count=5/);
    assert.equal(router.route('? ping').kind, 'help');
  });

  it('answers help in French to "aide" and to a French caller, naming commands the same way', () => {
    const aide = router.route('aide', 'operator', { locale: 'fr' }) as { kind: string; text: string };
    assert.equal(aide.kind, 'help');
    assert.match(aide.text, /^Commandes \(tapez « aide <commande> »/);
    assert.match(aide.text, /net check <target> \[key=value…\]/);
    assert.match(aide.text, /mutate : approbation requise/);
    const one = router.route('aide net check', 'viewer', { locale: 'fr' }) as { text: string };
    assert.match(one.text, /Usage : net check <target>/);
    assert.match(one.text, /count=<integer> \(facultatif, par défaut 3\)/);
    assert.match(one.text, /délai : 1\s000\sms/);
    assert.throws(() => router.route('aide nope<b>&amp;', 'viewer', { locale: 'fr' }), /Commande inconnue « nope<b>&amp; »/);
    assert.throws(() => router.route('aide nope\u0000', 'viewer', { locale: 'fr' }), /control characters/);
    assert.throws(() => router.route(`aide ${'\uD800'.repeat(3)}`, 'viewer', { locale: 'fr' }), /Commande inconnue/);
    assert.match((router.route('aide', 'viewer') as { text: string }).text, /^Commands/, 'the word alone does not pick the language');
  });

  it('rejects bad input with clear errors', () => {
    assert.throws(() => router.route('net_check "open'), /Unterminated " quote/);
    assert.throws(() => router.route('qos_apply now'), /Unexpected argument "now" for qos_apply/);
    assert.throws(() => router.route('net_check target=a target=b'), /given twice/);
    assert.throws(() => router.route('net_check a target=b'), /given twice/);
    assert.throws(() => router.route('net_check {"target": '), /not a valid JSON object/);
    assert.throws(() => router.route('net_check labels={oops'), /Expected a JSON object/);
    assert.throws(() => router.route('help nope'), /Unknown command "nope"/);
    assert.throws(() => router.route('net_check ' + 'x'.repeat(5000)), /longer than 4000/);
    assert.throws(() => router.route('net_check \u0000\u0001'), /control characters/);
  });
});
