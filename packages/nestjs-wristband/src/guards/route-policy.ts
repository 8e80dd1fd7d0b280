import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { Reflector } from '@nestjs/core';
import type { RolesRequirement } from '../decorators/roles.decorator.js';
import type { TenantScope } from '../decorators/tenant-scoped.decorator.js';
import type { AuthStrategyName } from '../interfaces/wristband-module-options.interface.js';
import {
  AUTH_STRATEGIES_KEY,
  IS_PUBLIC_KEY,
  ROLES_KEY,
  TENANT_SCOPED_KEY,
} from '../wristband.constants.js';

/** What the decorators on a route (method over class) ask of `WristbandGuard`. */
export interface RoutePolicy {
  isPublic: boolean;
  strategies: AuthStrategyName[];
  roles?: RolesRequirement;
  tenantScope?: TenantScope;
  /**
   * The handler is routed for GET only (Express also answers HEAD with it): every request it sees uses
   * a safe method, so the guard need not read `req.method` (a slow property read on Express requests).
   */
  safeMethodOnly: boolean;
}

/**
 * Route metadata never changes after startup, so it is read once per handler and class instead of
 * four reflector lookups on every request.
 */
export class RoutePolicies {
  private readonly byHandler = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly defaultStrategies: AuthStrategyName[],
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's Reflector keys on handlers and classes as Function
  get(handler: Function, cls: Function): RoutePolicy {
    let byClass = this.byHandler.get(handler);
    if (!byClass) this.byHandler.set(handler, (byClass = new WeakMap()));
    let policy = byClass.get(cls);
    if (!policy) {
      const targets = [handler, cls];
      policy = {
        isPublic:
          this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true,
        strategies:
          this.reflector.getAllAndOverride<AuthStrategyName[] | undefined>(
            AUTH_STRATEGIES_KEY,
            targets,
          ) ?? this.defaultStrategies,
        roles: this.reflector.getAllAndOverride<RolesRequirement | undefined>(ROLES_KEY, targets),
        tenantScope: this.reflector.getAllAndOverride<TenantScope | undefined>(
          TENANT_SCOPED_KEY,
          targets,
        ),
        safeMethodOnly:
          this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler) ===
          RequestMethod.GET,
      };
      byClass.set(cls, policy);
    }
    return policy;
  }
}
