/**
 * Which interfaces QoS may touch: only those in QOS_ALLOWED_INTERFACES, that exist, and
 * never the default-route interface unless QOS_ALLOW_DEFAULT_ROUTE_INTERFACE says so —
 * shaping the uplink by mistake cuts the operator off the machine.
 */
import { QosRefusedError } from './validation.js';
import type { CommandRunner } from './tc-runner.js';
import { interfaceNameSchema } from './policy-model.js';

/** The guardrail settings, from config. */
export interface QosGuardrails {
  allowedInterfaces: string[];
  allowDefaultRouteInterface: boolean;
}

/** Parses the comma-separated allowlist ("eth1, eth2"). */
export function parseInterfaceList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Refuses an interface name that is malformed or outside the allowlist (no command runs). */
export function assertInterfaceAllowed(name: string, guardrails: QosGuardrails): void {
  const parsed = interfaceNameSchema.safeParse(name);
  if (!parsed.success) throw new QosRefusedError(`Refused interface ${JSON.stringify(name)}`, [parsed.error.issues[0]!.message]);
  if (!guardrails.allowedInterfaces.includes(name)) {
    throw new QosRefusedError(`Refused interface ${name}`, [
      guardrails.allowedInterfaces.length === 0
        ? 'QOS_ALLOWED_INTERFACES is empty, so no interface may be shaped'
        : `${name} is not in QOS_ALLOWED_INTERFACES (${guardrails.allowedInterfaces.join(', ')})`,
    ]);
  }
}

/** Checks the interface exists and is not the default route's (unless allowed); returns its speed in bits/s when known. */
export async function assertInterfaceUsable(name: string, guardrails: QosGuardrails, runner: CommandRunner): Promise<void> {
  try {
    await runner.run('ip', ['-j', 'link', 'show', 'dev', name]);
  } catch {
    throw new QosRefusedError(`Refused interface ${name}`, [
      `${name} does not exist${runner.namespace ? ` in namespace ${runner.namespace}` : ''}`,
    ]);
  }
  if (guardrails.allowDefaultRouteInterface) return;
  const routes = JSON.parse((await runner.run('ip', ['-j', 'route', 'show', 'default'])) || '[]') as { dev?: string }[];
  if (routes.some((route) => route.dev === name)) {
    throw new QosRefusedError(`Refused interface ${name}`, [
      `${name} carries the default route; set QOS_ALLOW_DEFAULT_ROUTE_INTERFACE=true to shape it`,
    ]);
  }
}
