/**
 * The policy table, checked cell by cell against the answers Vigie gave before the policy
 * module existed (written out here by hand, not derived from POLICY_RULES), so a change to
 * the table that changes who may do what fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROLES, type Role } from './roles.js';
import { POLICY_RULES, assertMay, channelAllows, may, mayActOnAny, refusal, type PolicyAction } from './policy.js';
import { ForbiddenError } from '../errors.js';

const ME = '00000000-0000-7000-8000-000000000001';
const OTHER = '00000000-0000-7000-8000-000000000002';

/** [own resource, someone else's resource] per role: viewer, operator, admin. */
const EXPECTED: Record<PolicyAction, Record<Role, [boolean, boolean]>> = {
  'route.call': { viewer: [true, true], operator: [true, true], admin: [true, true] },
  'tool.offer': { viewer: [true, true], operator: [true, true], admin: [true, true] },
  'tool.run': { viewer: [true, true], operator: [true, true], admin: [true, true] },
  'execution.read': { viewer: [true, false], operator: [true, true], admin: [true, true] },
  'execution.cancel': { viewer: [true, false], operator: [true, true], admin: [true, true] },
  'execution.decide': { viewer: [false, false], operator: [true, true], admin: [true, true] },
  'mcpTask.read': { viewer: [true, false], operator: [true, false], admin: [true, false] },
  'conversation.read': { viewer: [true, false], operator: [true, false], admin: [true, true] },
  'conversation.readIncidentThreads': { viewer: [false, false], operator: [true, true], admin: [true, true] },
  'conversation.change': { viewer: [true, false], operator: [true, false], admin: [true, true] },
  'message.postAsAssistant': { viewer: [false, false], operator: [true, true], admin: [true, true] },
  'service.change': { viewer: [true, false], operator: [true, false], admin: [true, true] },
  'incident.act': { viewer: [false, false], operator: [true, true], admin: [true, true] },
  'realtime.operatorRoom': { viewer: [false, false], operator: [true, true], admin: [true, true] },
  'realtime.adminRoom': { viewer: [false, false], operator: [false, false], admin: [true, true] },
};

describe('policy table', () => {
  it('lists exactly the actions the expected matrix covers', () => {
    assert.deepEqual(Object.keys(POLICY_RULES).sort(), Object.keys(EXPECTED).sort());
  });

  for (const action of Object.keys(EXPECTED) as PolicyAction[]) {
    it(`${action}: every role, own and someone else's resource`, () => {
      for (const role of ROLES) {
        const [own, other] = EXPECTED[action][role];
        assert.equal(may({ role, userId: ME }, action, { ownerId: ME }), own, `${role} on own`);
        assert.equal(may({ role, userId: ME }, action, { ownerId: OTHER }), other, `${role} on other's`);
        assert.equal(mayActOnAny({ role }, action), other, `${role} on any`);
      }
    });
  }

  it('an unowned resource (null owner) is never "owned" by anybody', () => {
    assert.equal(may({ role: 'viewer', userId: ME }, 'service.change', { ownerId: null }), false);
    assert.equal(may({ role: 'admin', userId: ME }, 'service.change', { ownerId: null }), true);
    assert.equal(may({ role: 'viewer' }, 'execution.read', { ownerId: ME }), false, 'no user id, no ownership');
  });

  it('resource roles: a route or tool minRole is also required', () => {
    const answers = ROLES.map((role) => ROLES.map((minRole) => may({ role }, 'route.call', { minRole })));
    assert.deepEqual(answers, [
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
    assert.equal(refusal({ role: 'operator' }, 'tool.run', { minRole: 'admin' }), 'resource_role');
    assert.equal(refusal({ role: 'operator' }, 'execution.decide', { minRole: 'admin' }), 'resource_role');
    assert.equal(refusal({ role: 'viewer' }, 'execution.decide', { minRole: 'viewer' }), 'role');
    assert.equal(refusal({ role: 'admin' }, 'execution.decide', { minRole: 'admin' }), null);
  });

  it('channel allowlists: tool.run is refused where the channel does not list the tool', () => {
    const allowlist = { slack: { C1: ['core'] }, mcp: ['net_check'] };
    const channel = (over: object) => ({
      allowlist,
      channel: 'slack' as const,
      externalIds: { channelId: 'C1' },
      tool: 'system_status',
      toolset: 'core',
      ...over,
    });
    assert.equal(refusal({ role: 'admin' }, 'tool.run', { minRole: 'viewer', channel: channel({}) }), null);
    assert.equal(
      refusal({ role: 'admin' }, 'tool.run', { minRole: 'viewer', channel: channel({ externalIds: { channelId: 'C2' } }) }),
      'channel',
    );
    assert.equal(refusal({ role: 'admin' }, 'tool.run', { minRole: 'viewer', channel: channel({ externalIds: undefined }) }), 'channel');
    assert.equal(
      refusal({ role: 'admin' }, 'tool.run', { minRole: 'viewer', channel: channel({ channel: 'discord' }) }),
      null,
      'no discord allowlist',
    );
    assert.equal(
      refusal({ role: 'admin' }, 'tool.run', { minRole: 'viewer', channel: channel({ channel: 'api' }) }),
      null,
      'api is never allowlisted',
    );
    assert.equal(channelAllows(channel({ channel: 'mcp', tool: 'net_check', toolset: 'network' })), true);
    assert.equal(channelAllows(channel({ channel: 'mcp' })), false);
    assert.equal(
      refusal({ role: 'viewer' }, 'tool.run', { minRole: 'operator', channel: channel({ externalIds: { channelId: 'C2' } }) }),
      'resource_role',
      'role before channel',
    );
    assert.equal(
      may({ role: 'admin' }, 'tool.offer', { minRole: 'viewer', channel: channel({ externalIds: { channelId: 'C2' } }) }),
      true,
      'offering ignores channels',
    );
  });

  it('channel allowlists: odd channel ids and tool names match nothing rather than crash', () => {
    const allowlist = { slack: { C1: ['*'] } };
    for (const channelId of ['', '\u0000', '\ud800', 'C1'.repeat(10_000)]) {
      assert.equal(
        channelAllows({ allowlist, channel: 'slack', externalIds: { channelId }, tool: '\ud800', toolset: '\u0000' }),
        false,
        JSON.stringify(channelId.slice(0, 8)),
      );
    }
  });

  it("assertMay throws ForbiddenError with the caller's message, and nothing when allowed", () => {
    assert.throws(
      () => assertMay({ role: 'viewer', userId: ME }, 'incident.act', 'operators only'),
      (error: unknown) => error instanceof ForbiddenError && error.message === 'operators only',
    );
    assert.doesNotThrow(() => assertMay({ role: 'operator', userId: ME }, 'incident.act', 'operators only'));
  });
});
