/**
 * Import rules, checked in CI (`npm run lint:imports`): capability code (src/tools) never
 * reaches up into the server, bots or agents; the browser console only sees src/contracts
 * (plus type-only view shapes); the agent and bots never reach into the HTTP server; Redis clients come from src/redis.ts only; no cycles.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make modules impossible to load or test alone.', from: {}, to: { circular: true } },
    {
      name: 'capabilities-not-upward',
      severity: 'error',
      comment: 'Tools and their engines are used by server, bots and agents, never the reverse (a unit test may check both sides).',
      from: { path: '^src/tools/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(server|bots|agents)/' },
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
