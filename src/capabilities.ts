/**
 * The capability list: the server (toolsets, REST routes, /health, jobs) and the CLI are
 * assembled from it, in this order (help and the tool catalog list them so). Adding a
 * capability is one line here; see docs/architecture.md.
 */
import type { Capability } from './core/capability.js';
import { incidentsCapability } from './incidents/incidents-module.js';
import { knowledgeCapability } from './knowledge/knowledge-module.js';
import { mcpCapability } from './mcp/mcp-module.js';
import { coreCapability } from './tools/core/core-module.js';
import { dedupCapability } from './tools/dedup/dedup-module.js';
import { networkCapability } from './tools/network/network-module.js';
import { qosCapability } from './tools/qos/qos-module.js';
import { servicesCapability } from './tools/services/services-module.js';

/** Every capability Vigie ships (a fresh list each call: modules hold per-process state). */
export function shippedCapabilities(): Capability[] {
  return [
    coreCapability(),
    knowledgeCapability(),
    networkCapability(),
    dedupCapability(),
    qosCapability(),
    servicesCapability(),
    incidentsCapability(),
    mcpCapability(),
  ];
}

/**
 * The shipped list with `overrides` applied: a capability of the same name replaces the
 * shipped one (a QoS engine in a lab namespace), a new name is appended (a test capability).
 */
export function withCapabilities(overrides: Capability[]): Capability[] {
  return replaceCapabilities(shippedCapabilities(), overrides);
}

/** `list` with `overrides` applied (same name: replaced in place; new name: appended). */
export function replaceCapabilities(capabilities: Capability[], overrides: Capability[]): Capability[] {
  const list = [...capabilities];
  for (const override of overrides) {
    const index = list.findIndex((capability) => capability.name === override.name);
    if (index >= 0) list[index] = override;
    else list.push(override);
  }
  return list;
}
