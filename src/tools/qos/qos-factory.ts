/**
 * Builds the QoS engine from configuration. The QoS module builds one per process and hands
 * it to the REST routes and the toolset (one lock per interface, one set of revert timers).
 */
import type { Registry } from 'prom-client';
import { configSchema, type Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import { parseInterfaceList } from './guardrails.js';
import { createAdvisoryInterfaceLock, createProcessInterfaceLock, type InterfaceLock } from './interface-lock.js';
import { createQosMetrics } from './qos-metrics.js';
import { QosEngine } from './qos-engine.js';
import { createMemoryQosStore, createPrismaQosStore } from './qos-store.js';
import { createCommandRunner } from './tc-runner.js';
import { parseRate } from './units.js';

/** The configuration the QoS engine reads. */
export type QosSettings = Pick<
  Config,
  'QOS_ALLOWED_INTERFACES' | 'QOS_ALLOW_DEFAULT_ROUTE_INTERFACE' | 'QOS_DEFAULT_LINK_RATE' | 'QOS_NETNS' | 'QOS_LOCK_WAIT_SECONDS'
>;

/** Reads only the QoS variables (for callers that were not handed a full Config). */
export function qosSettingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): QosSettings {
  return configSchema
    .pick({
      QOS_ALLOWED_INTERFACES: true,
      QOS_ALLOW_DEFAULT_ROUTE_INTERFACE: true,
      QOS_DEFAULT_LINK_RATE: true,
      QOS_NETNS: true,
      QOS_LOCK_WAIT_SECONDS: true,
    })
    .parse({
      QOS_ALLOWED_INTERFACES: env.QOS_ALLOWED_INTERFACES,
      QOS_ALLOW_DEFAULT_ROUTE_INTERFACE: env.QOS_ALLOW_DEFAULT_ROUTE_INTERFACE,
      QOS_DEFAULT_LINK_RATE: env.QOS_DEFAULT_LINK_RATE,
      QOS_NETNS: env.QOS_NETNS,
      QOS_LOCK_WAIT_SECONDS: env.QOS_LOCK_WAIT_SECONDS,
    });
}

/**
 * The interface lock for a database: PostgreSQL → advisory locks, so every node sharing it
 * serialises; PGlite (one process owns its data directory) or none → this process only.
 */
export function interfaceLockFor(database: Database | undefined, waitSeconds = 60): InterfaceLock {
  const waitMs = waitSeconds * 1000;
  return database?.backend === 'postgres' ? createAdvisoryInterfaceLock(database.sql, { waitMs }) : createProcessInterfaceLock({ waitMs });
}

/** Creates the engine: database-backed store when a database is given, metrics on `registry`. */
export function createQosEngine(
  settings: QosSettings,
  components: { database?: Database; logger?: Logger; registry?: Registry } = {},
): QosEngine {
  return new QosEngine({
    runner: createCommandRunner({ namespace: settings.QOS_NETNS }),
    store: components.database ? createPrismaQosStore(components.database.prisma) : createMemoryQosStore(),
    guardrails: {
      allowedInterfaces: parseInterfaceList(settings.QOS_ALLOWED_INTERFACES),
      allowDefaultRouteInterface: settings.QOS_ALLOW_DEFAULT_ROUTE_INTERFACE,
    },
    defaultLinkRate: parseRate(settings.QOS_DEFAULT_LINK_RATE),
    ...(components.logger ? { logger: components.logger } : {}),
    metrics: createQosMetrics(components.registry),
    lock: interfaceLockFor(components.database, settings.QOS_LOCK_WAIT_SECONDS),
  });
}

/** QoS settings from an app config object (missing keys take their defaults). */
export function qosSettingsFromConfig(config: object): QosSettings {
  const source = config as Partial<QosSettings>;
  const defaults = qosSettingsFromEnvironment({});
  return {
    QOS_ALLOWED_INTERFACES: source.QOS_ALLOWED_INTERFACES ?? defaults.QOS_ALLOWED_INTERFACES,
    QOS_ALLOW_DEFAULT_ROUTE_INTERFACE: source.QOS_ALLOW_DEFAULT_ROUTE_INTERFACE ?? defaults.QOS_ALLOW_DEFAULT_ROUTE_INTERFACE,
    QOS_DEFAULT_LINK_RATE: source.QOS_DEFAULT_LINK_RATE ?? defaults.QOS_DEFAULT_LINK_RATE,
    QOS_NETNS: source.QOS_NETNS ?? defaults.QOS_NETNS,
    QOS_LOCK_WAIT_SECONDS: source.QOS_LOCK_WAIT_SECONDS ?? defaults.QOS_LOCK_WAIT_SECONDS,
  };
}
