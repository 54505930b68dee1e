/**
 * The per-role cache of offered tools: reused while the registry offers the same tools, and
 * rebuilt the moment it does not (a toolset going down, an MCP server's tools replaced), so
 * a model is never offered a stale tool or prompt.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool, type Toolset } from '../tools/tool-contract.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { OfferedToolsCache } from './offered-tools-cache.js';

const tool = (name: string, minRole: 'viewer' | 'operator' = 'viewer') =>
  defineTool({
    name,
    description: `the ${name} tool`,
    inputSchema: z.object({ q: z.string().max(10) }).strict(),
    outputSchema: z.unknown(),
    risk: 'read',
    minRole,
    timeoutMs: 1_000,
    execute: async () => ({ status: 'success', data: {} }),
  });

describe('offered tools cache', () => {
  it('reuses the definitions while nothing changes, and rebuilds them when a toolset goes down or tools are replaced', () => {
    let up = true;
    const flaky: Toolset = {
      name: 'flaky',
      description: 'd',
      instructions: 'Flaky tools.',
      checkPrerequisites: async () => ({ ok: true }),
      liveStatus: () => (up ? { ok: true } : { ok: false, detail: 'gone' }),
      tools: [tool('flaky_probe')],
    };
    const core: Toolset = {
      name: 'basic',
      description: 'd',
      checkPrerequisites: async () => ({ ok: true }),
      tools: [tool('basic_read'), tool('basic_write', 'operator')],
    };
    const registry = new ToolRegistry([core, flaky]);
    const cache = new OfferedToolsCache(registry);
    const first = cache.forRole('operator');
    assert.deepEqual(
      first.definitions.map((definition) => definition.function.name),
      ['basic_read', 'basic_write', 'flaky_probe'],
    );
    assert.equal(cache.forRole('operator'), first, 'the same object while nothing changed');
    assert.deepEqual(
      cache.forRole('viewer').definitions.map((definition) => definition.function.name),
      ['basic_read', 'flaky_probe'],
    );
    assert.match(first.systemPrompt, /\[flaky\] Flaky tools\./);

    up = false;
    const down = cache.forRole('operator');
    assert.notEqual(down, first);
    assert.deepEqual(
      down.definitions.map((definition) => definition.function.name),
      ['basic_read', 'basic_write'],
    );
    assert.doesNotMatch(down.systemPrompt, /Flaky tools/);
    assert.equal(down.names.get('flaky_probe'), undefined);

    up = true;
    registry.upsertToolset({
      name: 'mcp_docs',
      description: 'd',
      checkPrerequisites: async () => ({ ok: true }),
      tools: [tool('docs.search')],
    });
    const withMcp = cache.forRole('operator');
    assert.deepEqual(
      withMcp.definitions.map((definition) => definition.function.name),
      ['basic_read', 'basic_write', 'flaky_probe', 'docs__search'],
    );
    assert.deepEqual(withMcp.names.get('docs__search'), { name: 'docs.search', untrusted: false });
    registry.upsertToolset({
      name: 'mcp_docs',
      description: 'd',
      checkPrerequisites: async () => ({ ok: true }),
      tools: [tool('docs.fetch')],
    });
    assert.deepEqual(
      cache
        .forRole('operator')
        .definitions.map((definition) => definition.function.name)
        .at(-1),
      'docs__fetch',
    );
  });
});
