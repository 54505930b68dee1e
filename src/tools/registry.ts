/**
 * The explicit list of toolsets Vigie ships (no auto-discovery): adding a toolset means
 * adding one line here. The registry and the execution pipeline are built from this list.
 */
import type { Toolset } from './tool-contract.js';
import type { ToolsetDependencies } from './toolset-dependencies.js';
import { coreToolset } from './core/core-toolset.js';
import { networkToolset } from './network/network-toolset.js';
import { dedupToolset } from './dedup/dedup-toolset.js';
import { qosToolsetFor } from './qos/qos-toolset.js';
import { servicesToolset } from './services/services-toolset.js';

export type { ToolsetDependencies } from './toolset-dependencies.js';

/** Every toolset, in the order help and the catalog list them. */
export function createToolsets(dependencies: ToolsetDependencies): Toolset[] {
  return [
    coreToolset(dependencies.database, () => dependencies.toolsetStatus?.() ?? [], dependencies.knowledge),
    networkToolset(dependencies),
    dedupToolset(dependencies),
    qosToolsetFor(dependencies),
    servicesToolset(dependencies),
    // Each capability adds its toolset here, e.g. `networkToolset(dependencies)`.
  ];
}
