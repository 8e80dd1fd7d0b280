import { Controller, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthorizationService } from './authorization/authorization.service.js';
import { WristbandExceptionFilter } from './errors/wristband-exception.filter.js';
import { WristbandCallbackGuard, WristbandLoginGuard } from './guards/wristband-login.guard.js';
import { WristbandGuard } from './guards/wristband.guard.js';
import { BearerTokenVerifier } from './jwt/bearer-token.verifier.js';
import { RequestUserBinding } from './http/request-user.binding.js';
import { IdTokenVerifier } from './jwt/id-token.verifier.js';
import { WristbandJwks } from './jwt/wristband-jwks.js';
import { LoginStateStore } from './session/login-state.store.js';
import { SESSION_STORE } from './session/session-store.interface.js';
import { SessionService } from './session/session.service.js';
import { SessionRevocationService } from './session/session-revocation.service.js';
import { REFRESH_COORDINATOR } from './tokens/refresh-coordinator.interface.js';
import { TokenRefreshService } from './tokens/token-refresh.service.js';
import { WristbandApiClient } from './wristband-api.client.js';
import { WristbandAuthController } from './wristband-auth.controller.js';
import type {
  WristbandModuleGraphOptions,
  WristbandModuleOptions,
} from './interfaces/wristband-module-options.interface.js';
import {
  ConfigurableWristbandModule,
  GRAPH_OPTION_DEFAULTS,
  WRISTBAND_ASYNC_OPTIONS_TYPE,
  WRISTBAND_GRAPH_OPTIONS,
} from './wristband.module-definition.js';
import {
  cookieSealerProvider,
  refreshCoordinatorProvider,
  sessionStoreProvider,
  wristbandOptionsProvider,
} from './wristband.providers.js';
import { WRISTBAND_OPTIONS } from './wristband.constants.js';
import { WristbandStrategy } from './wristband.strategy.js';
import { AuthEventRecorder } from './events/auth-event.recorder.js';
import { WristbandEvents } from './events/wristband-events.service.js';
import { WristbandHealthIndicator } from './health/wristband.health-indicator.js';
import { WristbandRedisHealthIndicator } from './health/wristband-redis.health-indicator.js';
import { wristbandMetricsProvider } from './metrics/wristband-metrics.provider.js';

const providers: Provider[] = [
  wristbandOptionsProvider,
  cookieSealerProvider,
  sessionStoreProvider,
  refreshCoordinatorProvider,
  WristbandApiClient,
  WristbandJwks,
  IdTokenVerifier,
  BearerTokenVerifier,
  LoginStateStore,
  SessionService,
  SessionRevocationService,
  TokenRefreshService,
  AuthorizationService,
  RequestUserBinding,
  WristbandStrategy,
  WristbandGuard,
  WristbandLoginGuard,
  WristbandCallbackGuard,
  WristbandExceptionFilter,
  { provide: APP_FILTER, useExisting: WristbandExceptionFilter },
  wristbandMetricsProvider,
  WristbandEvents,
  AuthEventRecorder,
  WristbandHealthIndicator,
  WristbandRedisHealthIndicator,
];

const exported = [
  WRISTBAND_OPTIONS,
  SESSION_STORE,
  REFRESH_COORDINATOR,
  SessionService,
  SessionRevocationService,
  TokenRefreshService,
  BearerTokenVerifier,
  WristbandApiClient,
  AuthorizationService,
  RequestUserBinding,
  WristbandGuard,
  // For an app's own catch-all filter, which Nest may ask before this one: it can hand Wristband's errors over.
  WristbandExceptionFilter,
  WristbandEvents,
  // For WristbandGuard, which Nest builds in each module that uses it.
  AuthEventRecorder,
  WristbandHealthIndicator,
  WristbandRedisHealthIndicator,
];

/** `forRootAsync` options: `useFactory` + `inject` (or `useClass` / `useExisting`), plus the graph options. */
export type WristbandModuleAsyncOptions = typeof WRISTBAND_ASYNC_OPTIONS_TYPE;

/**
 * Wristband authentication. `forRoot(options)` or `forRootAsync({ useFactory, inject, globalGuard })`;
 * global, so `WristbandGuard` and the services can be used in every module.
 */
@Module({ providers, exports: exported })
export class WristbandModule extends ConfigurableWristbandModule {
  static override forRoot(options: WristbandModuleOptions): DynamicModule {
    const { globalGuard, registerAuthRoutes, authRoutePrefix, ...moduleOptions } = options;
    return WristbandModule.complete(super.forRoot(moduleOptions), {
      globalGuard,
      registerAuthRoutes,
      authRoutePrefix,
    });
  }

  /**
   * Async form. The graph options (`globalGuard`, `registerAuthRoutes`, `authRoutePrefix`) shape the
   * module graph, which Nest builds before the factory runs: they are read here, next to `useFactory`.
   * The factory's result type has no room for them, and one found there anyway stops the app at startup.
   */
  static override forRootAsync(options: WristbandModuleAsyncOptions): DynamicModule {
    const { globalGuard, registerAuthRoutes, authRoutePrefix } = options;
    return WristbandModule.complete(super.forRootAsync(options), {
      globalGuard,
      registerAuthRoutes,
      authRoutePrefix,
    });
  }

  private static complete(base: DynamicModule, graph: WristbandModuleGraphOptions): DynamicModule {
    const given = Object.fromEntries(
      Object.entries(graph).filter(([, v]) => v !== undefined),
    ) as WristbandModuleGraphOptions;
    const { globalGuard, registerAuthRoutes, authRoutePrefix } = {
      ...GRAPH_OPTION_DEFAULTS,
      ...given,
    };
    return {
      ...base,
      global: true,
      controllers: registerAuthRoutes === false ? [] : [authControllerAt(authRoutePrefix)],
      providers: [
        ...(base.providers ?? []),
        { provide: WRISTBAND_GRAPH_OPTIONS, useValue: given },
        ...(globalGuard === true ? [{ provide: APP_GUARD, useExisting: WristbandGuard }] : []),
      ],
    };
  }
}

/**
 * The auth controller at `prefix`. A controller's path is decorator metadata of its class, so each
 * module gets a subclass of its own: two apps in one process may serve the routes at different paths.
 */
function authControllerAt(prefix: string): Type<WristbandAuthController> {
  const controller = class extends WristbandAuthController {};
  Object.defineProperty(controller, 'name', { value: WristbandAuthController.name });
  Controller(prefix)(controller);
  return controller;
}
