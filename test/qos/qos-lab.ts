/**
 * The shared fixture of the QoS namespace suites, so each suite states only what it tests:
 * one `vq…` namespace lab (198.19.0.0/16, traffic never leaves it), the kernel's probed
 * capabilities, a process-counting runner in the sender namespace and an engine on the
 * sender's veth, created before the suite and torn down after it.
 */
import { after, before } from 'node:test';
import { probeKernelCapabilities, type KernelCapabilities } from '../../src/tools/qos/capabilities.js';
import { QosEngine, type QosEngineOptions } from '../../src/tools/qos/qos-engine.js';
import { createMemoryQosStore } from '../../src/tools/qos/qos-store.js';
import { createCommandRunner, type CommandRunner, type RunnerStatistics } from '../../src/tools/qos/tc-runner.js';
import { readLiveState, type LiveState } from '../../src/tools/qos/tc-state.js';
import { createLab, hasIperf3, labUnavailableReason, type NetnsLab } from './netns-lab.js';

/** Why the namespace suites cannot run here (logged once, as `# skipping …`), or false. */
export function qosLabSkip(what: string, options: { iperf3?: boolean } = {}): string | false {
  const reason = labUnavailableReason() ?? (options.iperf3 && !hasIperf3() ? 'iperf3 is not installed (apt-get install iperf3)' : null);
  if (reason) console.log(`# skipping ${what}: ${reason}`);
  return reason ?? false;
}

/** What a suite gets; the fields are filled by the fixture's `before` hook. */
export interface QosLab {
  lab: NetnsLab;
  capabilities: KernelCapabilities;
  /** Processes started by `runner()`s and the default engine ("nothing ran" assertions). */
  statistics: RunnerStatistics;
  /** The default engine: memory store, sender veth (and the absent `vqnothere0`) allowed, 100 Mbit/s link. */
  engine: QosEngine;
  /** A counting runner in the sender namespace. */
  runner(): CommandRunner;
  /** The default engine's options with `overrides`, for suites that build more engines (close them yourself). */
  engineOptions(overrides?: Partial<QosEngineOptions>): QosEngineOptions;
  /** The live tc state of `device` (default: the sender veth). */
  state(device?: string): Promise<LiveState>;
}

/** Registers the lab's before/after hooks in the current `describe` and returns its handle. */
export function useQosLab(): QosLab {
  const fixture = {
    statistics: { processes: 0 },
    runner: () => createCommandRunner({ namespace: fixture.lab.sender, statistics: fixture.statistics }),
    engineOptions: (overrides = {}) => ({
      runner: fixture.runner(),
      store: createMemoryQosStore(),
      guardrails: { allowedInterfaces: [fixture.lab.senderDevice, 'vqnothere0'], allowDefaultRouteInterface: false },
      capabilities: async () => fixture.capabilities,
      defaultLinkRate: 100e6,
      ...overrides,
    }),
    state: (device) => readLiveState(fixture.runner(), device ?? fixture.lab.senderDevice),
  } as QosLab;
  before(async () => {
    fixture.lab = createLab();
    fixture.capabilities = await probeKernelCapabilities();
    fixture.engine = new QosEngine(fixture.engineOptions());
  });
  after(() => {
    fixture.engine?.close();
    fixture.lab?.close();
  });
  return fixture;
}
