/**
 * Socket Mode frames: the envelopes Slack sends pass, anything the client would trip on is
 * refused with a reason, and the envelope id is kept so a dropped frame can still be acked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSocketEnvelope } from './slack-socket-envelope.js';

const frame = (value: unknown) => JSON.stringify(value);

describe('slack socket envelopes', () => {
  it('lets the envelopes Slack sends through', () => {
    for (const value of [
      { type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } },
      { type: 'disconnect', reason: 'refresh_requested' },
      {
        type: 'events_api',
        envelope_id: 'e1',
        retry_attempt: 1,
        retry_reason: 'timeout',
        payload: { type: 'event_callback', event: { type: 'app_mention', text: 'hi' } },
      },
      { type: 'slash_commands', envelope_id: 'e2', accepts_response_payload: true, payload: { command: '/vigie', text: 'status' } },
      { type: 'interactive', envelope_id: 'e3', payload: { type: 'block_actions', actions: [] } },
    ])
      assert.deepEqual(checkSocketEnvelope(frame(value), false), { ok: true }, JSON.stringify(value));
  });

  it('refuses what the client would trip on, keeping the id to ack', () => {
    assert.deepEqual(checkSocketEnvelope('{"type":', false), { ok: false, reason: 'not JSON' });
    assert.deepEqual(checkSocketEnvelope(Buffer.from('{}'), true), { ok: false, reason: 'binary frame' });
    assert.deepEqual(checkSocketEnvelope(42, false), { ok: false, reason: 'binary frame' });
    const cases: Array<[unknown, string | undefined]> = [
      [{ type: 'events_api', envelope_id: 'a' }, 'a'],
      [{ type: 'events_api', envelope_id: 'b', payload: { event: 'x' } }, 'b'],
      [{ type: 'events_api', envelope_id: 'c', payload: { event: { type: 7 } } }, 'c'],
      [{ type: 'slash_commands', envelope_id: 'd', payload: 'text' }, 'd'],
      [{ type: 'interactive', payload: {} }, undefined],
      [{ type: 'made_up', envelope_id: 'e', payload: {} }, 'e'],
      [{ type: 'slash_commands', envelope_id: '', payload: {} }, undefined],
      [{ envelope_id: 'f' }, 'f'],
      [null, undefined],
      [[1, 2], undefined],
      ['just a string', undefined],
    ];
    for (const [value, id] of cases) {
      const check = checkSocketEnvelope(frame(value), false);
      assert.equal(check.ok, false, JSON.stringify(value));
      if (!check.ok) assert.equal(check.envelopeId, id, JSON.stringify(value));
    }
  });
});
