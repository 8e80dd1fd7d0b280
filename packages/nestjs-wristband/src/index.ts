// The public API of the Wristband module: what is not exported here is internal and may change.
export { WristbandModule, type WristbandModuleAsyncOptions } from './wristband.module.js';
export { WristbandGuard, type WristbandRequestState } from './guards/wristband.guard.js';
export {
  WristbandLoginGuard,
  WristbandCallbackGuard,
  type WristbandLoginRedirect,
} from './guards/wristband-login.guard.js';
export { WristbandStrategy, type WristbandLoginResult } from './wristband.strategy.js';
export { Public } from './decorators/public.decorator.js';
export { CurrentUser } from './decorators/current-user.decorator.js';
export { CurrentTenant, type CurrentTenantInfo } from './decorators/current-tenant.decorator.js';
export { Roles, type RolesRequirement } from './decorators/roles.decorator.js';
export { TenantScoped, type TenantScope } from './decorators/tenant-scoped.decorator.js';
export { AuthStrategies } from './decorators/auth-strategies.decorator.js';
export { InjectWristbandOptions } from './decorators/inject-wristband-options.decorator.js';
export { SessionService } from './session/session.service.js';
export { SESSION_STORE, type SessionStore } from './session/session-store.interface.js';
export {
  SessionRevocationService,
  SessionRevocationUnsupportedError,
} from './session/session-revocation.service.js';
export { TokenRefreshService } from './tokens/token-refresh.service.js';
export {
  REFRESH_COORDINATOR,
  type RefreshCoordinator,
} from './tokens/refresh-coordinator.interface.js';
export { RefreshPendingError } from './tokens/refresh-pending.error.js';
export { BearerTokenVerifier } from './jwt/bearer-token.verifier.js';
export { WristbandApiClient } from './wristband-api.client.js';
export { WristbandExceptionFilter } from './errors/wristband-exception.filter.js';
export {
  WristbandGraphQLError,
  type WristbandGraphQLErrorExtensions,
} from './errors/wristband-graphql.error.js';
export { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
export * from './errors/wristband.errors.js';
export { wristbandOptionsFromEnv, WRISTBAND_ENV_VARIABLES } from './wristband-options.from-env.js';
export {
  findOptionProblems,
  resolveWristbandOptions,
  type OptionProblem,
  type WristbandOptionField,
} from './wristband-options.validator.js';
export type * from './interfaces/wristband-module-options.interface.js';
export type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
export type { WristbandSession } from './interfaces/wristband-session.interface.js';
export type { WristbandUser } from './interfaces/wristband-user.interface.js';
export { WRISTBAND_OPTIONS } from './wristband.constants.js';
export { WristbandEvents } from './events/wristband-events.service.js';
export type * from './events/wristband-event.interface.js';
export {
  WristbandHealthIndicator,
  type WristbandHealthCheckOptions,
} from './health/wristband.health-indicator.js';
export { WristbandRedisHealthIndicator } from './health/wristband-redis.health-indicator.js';
export type { WristbandHealthResult } from './health/health-indicator-result.js';
export type { WristbandMetricsRegistry } from './metrics/wristband-metrics.js';
export {
  REQUEST_ID_HEADER,
  assignRequestId,
  isSaneRequestId,
  requestIdOf,
} from './http/request-id.js';
