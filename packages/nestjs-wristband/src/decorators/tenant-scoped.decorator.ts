import { SetMetadata } from '@nestjs/common';
import { TENANT_SCOPED_KEY } from '../wristband.constants.js';

export interface TenantScope {
  /** Where the tenant comes from: a route parameter, a header or a query field. */
  source: 'param' | 'header' | 'query';
  /** Name of the parameter, header or query field. */
  name: string;
  /** What the value holds: the tenant id (`tnt_id`, default) or the tenant name. */
  match: 'id' | 'name';
}

type TenantScopeInput =
  | string
  | { param: string; match?: 'id' | 'name' }
  | { header: string; match?: 'id' | 'name' }
  | { query: string; match?: 'id' | 'name' };

/**
 * Only the authenticated tenant may use this route: 403 `tenant_mismatch` unless the named route
 * parameter (a string names a parameter), header or query field equals the user's tenant id (or name
 * with `match: 'name'`). On a GraphQL resolver a parameter or query name is the field's argument of
 * that name (`@TenantScoped('tenantId')` reads `projects(tenantId: ...)`). Comparison is exact: no case
 * folding, no second URL-decoding.
 */
export function TenantScoped(input: TenantScopeInput): MethodDecorator & ClassDecorator {
  let scope: TenantScope;
  if (typeof input === 'string') scope = { source: 'param', name: input, match: 'id' };
  else if ('param' in input)
    scope = { source: 'param', name: input.param, match: input.match ?? 'id' };
  else if ('header' in input)
    scope = { source: 'header', name: input.header.toLowerCase(), match: input.match ?? 'id' };
  else scope = { source: 'query', name: input.query, match: input.match ?? 'id' };
  if (!scope.name) throw new TypeError('@TenantScoped() needs a parameter, header or query name');
  return SetMetadata(TENANT_SCOPED_KEY, scope);
}
