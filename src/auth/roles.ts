/**
 * Roles are ordered: viewer < operator < admin. Permission questions go through the policy
 * (src/auth/policy.ts), which compares roles with `hasRole`, so the ordering lives in one place.
 */
import { z } from 'zod';

/** The roles, lowest first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
/** A role name. */
export type Role = (typeof ROLES)[number];
/** zod schema for a role, shared by REST, CLI and socket payloads. */
export const roleSchema = z.enum(ROLES);

/** True when `actual` is at least `required`. */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** The lower of two roles: a token never grants more than its user has. */
export function lowerRole(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}
