/**
 * Output schemas of the QoS tools: the `data` of a success. Extra keys pass; the keys listed
 * are the ones the views and approval cards rely on.
 */
import { z } from 'zod';

/** qos_plan: the plan summary (interface, clauses, diff, tc batch). */
export const qosPlanOutput = z.object({
  interface: z.string(),
  direction: z.string(),
  clauses: z.array(z.object({ text: z.string(), action: z.string() })),
  commands: z.number(),
  batch: z.string(),
});

/** qos_apply: the application (its id and status, the confirm deadline) and the plan applied. */
export const qosApplyOutput = z.object({ applicationId: z.string(), status: z.string(), plan: z.object({ commands: z.number() }) });

/** qos_rollback and qos_confirm: the application record, without its snapshot and policy. */
export const qosRecordOutput = z.object({ id: z.string(), status: z.string() });

/** qos_show: the live tc state of an interface. */
export const qosShowOutput = z.object({ state: z.unknown() });
