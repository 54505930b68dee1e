/**
 * Import rules, checked in CI (`npm run lint:imports`), stating the layout of issue #19
 * (docs/architecture.md):
 * - capabilities (src/tools, src/knowledge, src/inference, src/incidents, src/mcp and the list
 *   in src/capabilities.ts) never import src/server, src/bots or src/agents: they declare routes
 *   through src/core (RouteRegistrar) and receive CoreServices;
 * - src/chat-render (the Slack and Discord renderings of execution cards and result views,
 *   shared by the bots and the MCP approval cards) imports no server, bot or agent code either;
 * - src/core (CoreServices, the capability contract, route declarations, metrics) is below
 *   everything: it imports no server, bot, agent or capability module (types of the services
 *   it names excepted, and the services themselves in core-services-builder.ts, the one place
 *   they are constructed);
 * - src/server, src/bots and src/agents meet only through src/core and src/contracts (bots name
 *   the agent's types, never import its code: the agent instance comes from src/main.ts);
 * - the browser console only sees src/contracts (plus type-only view shapes);
 * - Redis clients come from src/redis.ts only; no cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make modules impossible to load or test alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'capabilities-not-upward',
      severity: 'error',
      comment:
        'Capabilities are used by server, bots and agents, never the reverse: routes go through src/core/route-declarations.ts, services through CoreServices.',
      from: { path: ['^src/(tools|knowledge|inference|incidents|mcp)/', '^src/capabilities\\.ts$'], pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(server|bots|agents)/' },
    },
    {
      name: 'chat-render-not-upward',
      severity: 'error',
      comment:
        'The Slack and Discord card renderers are shared by the bots and by capabilities (the MCP approval cards): they import tools and contracts, never the server, the bots or the agent.',
      from: { path: '^src/chat-render/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(server|bots|agents)/' },
    },
    {
      name: 'core-below-everything',
      severity: 'error',
      comment:
        'src/core is what every layer shares: it never reaches into the server, bots, agents or the capability list (it may name service types).',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      to: { path: ['^src/(server|bots|agents)/', '^src/capabilities\\.ts$'] },
    },
    {
      name: 'server-not-bots-or-agents',
      severity: 'error',
      comment: 'The HTTP server meets the bots and the agent only through src/core (CoreServices) and src/contracts.',
      from: { path: '^src/server/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(bots|agents)/' },
    },
    {
      name: 'agents-not-bots',
      severity: 'error',
      comment: 'The agent never reaches into a chat platform: the bots call it.',
      from: { path: '^src/agents/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/bots/' },
    },
    {
      name: 'bots-name-agent-types-only',
      severity: 'error',
      comment: 'The bots drive the agent they are handed (src/main.ts builds it): they may name its types, never import its code.',
      from: { path: '^src/bots/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/agents/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-sees-contracts',
      severity: 'error',
      comment: 'The browser bundle shares only the wire contract with the server.',
      from: { path: '^src/console/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(console|contracts)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'agents-and-bots-not-server',
      severity: 'error',
      comment: 'The agent and the bots receive services from the composition root, never the App.',
      from: { path: '^src/(agents|bots)/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'redis-through-the-factory',
      severity: 'error',
      comment: 'Every Redis client is made by src/redis.ts (createRedisClient), so REDIS_SENTINELS reaches all of them (issue #20).',
      from: { path: '^src/', pathNot: ['^src/redis\\.ts$', '\\.test\\.ts$'] },
      to: { path: 'node_modules/ioredis/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
