import { SetMetadata } from '@nestjs/common';
import { ROLES_KEY } from '../wristband.constants.js';

export interface RolesRequirement {
  roles: string[];
  /** `any` (default): one of the roles is enough; `all`: every role is needed. */
  mode: 'any' | 'all';
}

/**
 * Requires Wristband roles. A role matches by its full name (`app:invotastic:admin`) or its last
 * segment (`admin`). `@Roles('admin', 'billing')` or `@Roles(['admin', 'billing'], { mode: 'all' })`.
 */
export function Roles(...roles: string[]): MethodDecorator & ClassDecorator;
export function Roles(
  roles: string[],
  options: { mode: 'any' | 'all' },
): MethodDecorator & ClassDecorator;
export function Roles(...args: unknown[]): MethodDecorator & ClassDecorator {
  const requirement: RolesRequirement = Array.isArray(args[0])
    ? {
        roles: args[0] as string[],
        mode: (args[1] as { mode?: 'any' | 'all' } | undefined)?.mode ?? 'any',
      }
    : { roles: args as string[], mode: 'any' };
  if (
    requirement.roles.length === 0 ||
    requirement.roles.some((r) => typeof r !== 'string' || r === '')
  ) {
    throw new TypeError('@Roles() needs at least one non-empty role name');
  }
  return SetMetadata(ROLES_KEY, requirement);
}
