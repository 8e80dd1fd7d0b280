import { Injectable, type ExecutionContext } from '@nestjs/common';
import type { RolesRequirement } from '../decorators/roles.decorator.js';
import type { TenantScope } from '../decorators/tenant-scoped.decorator.js';
import { AccessDeniedError } from '../errors/wristband.errors.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import type { RoutePolicy } from '../guards/route-policy.js';
import { exchangeOf, graphqlArgs } from '../http/execution-exchange.js';

interface FrameworkRequest {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** `@Roles` and `@TenantScoped` checks for an authenticated user; throws `AccessDeniedError` (403). */
@Injectable()
export class AuthorizationService {
  authorize(
    context: ExecutionContext,
    policy: Pick<RoutePolicy, 'roles' | 'tenantScope'>,
    user: WristbandUser,
  ): void {
    const { roles, tenantScope: scope } = policy;
    if (roles && !hasRoles(user.roles, roles)) {
      throw new AccessDeniedError(
        'insufficient_role',
        `Requires ${roles.mode === 'all' ? 'all' : 'one'} of the roles: ${roles.roles.join(', ')}`,
      );
    }
    if (scope) {
      const value =
        context.getType<string>() === 'graphql'
          ? graphqlTenantValue(context, scope)
          : tenantValue(context.switchToHttp().getRequest<FrameworkRequest>(), scope);
      const own = scope.match === 'id' ? user.tenantId : user.tenantName;
      if (value === undefined || own === undefined || value !== own) {
        throw new AccessDeniedError('tenant_mismatch', 'This resource belongs to another tenant');
      }
    }
  }
}

/** A role matches by full name or by its last `:` segment (`app:invotastic:admin` ~ `admin`). */
export function hasRoles(userRoles: readonly string[], requirement: RolesRequirement): boolean {
  const held = new Set<string>();
  for (const role of userRoles) {
    held.add(role);
    held.add(role.slice(role.lastIndexOf(':') + 1));
  }
  const check = (role: string) => held.has(role);
  return requirement.mode === 'all'
    ? requirement.roles.every(check)
    : requirement.roles.some(check);
}

/** In a resolver, a parameter or query name is the field's argument of that name. */
function graphqlTenantValue(context: ExecutionContext, scope: TenantScope): string | undefined {
  if (scope.source === 'header') return tenantValue(exchangeOf(context).req, scope);
  const raw = graphqlArgs(context)[scope.name];
  return typeof raw === 'string' && raw.length > 0 ? raw : undefined;
}

function tenantValue(req: FrameworkRequest, scope: TenantScope): string | undefined {
  const raw =
    scope.source === 'param'
      ? req.params?.[scope.name]
      : scope.source === 'query'
        ? req.query?.[scope.name]
        : req.headers[scope.name];
  return typeof raw === 'string' && raw.length > 0 ? raw : undefined;
}
