/**
 * Zod shapes of Socket Mode envelopes. The Socket Mode client dereferences `payload.event.type`
 * of an `events_api` envelope without checking it, in a promise nobody awaits: one malformed
 * frame would be an unhandled rejection (a crash on Node 20). Frames are checked here first;
 * a malformed one is dropped with a log line and acked so Slack does not redeliver it.
 */
import { z } from 'zod';

const envelopeId = z.string().min(1).max(200);
const control = z.object({ type: z.enum(['hello', 'disconnect']) }).loose();
const eventsApi = z
  .object({
    type: z.literal('events_api'),
    envelope_id: envelopeId,
    payload: z.object({ event: z.object({ type: z.string().min(1) }).loose() }).loose(),
    retry_attempt: z.number().int().min(0).optional(),
  })
  .loose();
const request = z
  .object({ type: z.enum(['slash_commands', 'interactive']), envelope_id: envelopeId, payload: z.record(z.string(), z.unknown()) })
  .loose();

/** What to do with one WebSocket frame. */
export type EnvelopeCheck = { ok: true } | { ok: false; reason: string; envelopeId?: string };

/** Checks a frame before the Socket Mode client sees it; `envelopeId` lets a dropped frame be acked. */
export function checkSocketEnvelope(data: unknown, isBinary: boolean): EnvelopeCheck {
  if (isBinary || typeof data !== 'string') return { ok: false, reason: 'binary frame' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (control.safeParse(parsed).success || eventsApi.safeParse(parsed).success || request.safeParse(parsed).success) return { ok: true };
  const id = z.object({ envelope_id: envelopeId }).safeParse(parsed);
  const type = z.object({ type: z.string().max(64) }).safeParse(parsed);
  return {
    ok: false,
    reason: `malformed or unsupported envelope (type ${type.success ? type.data.type : 'missing'})`,
    ...(id.success ? { envelopeId: id.data.envelope_id } : {}),
  };
}
