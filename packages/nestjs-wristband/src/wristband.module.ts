import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
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
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import { ConfigurableWristbandModule, WRISTBAND_ASYNC_OPTIONS_TYPE } from './wristband.module-definition.js';
import {
  cookieSealerProvider,
  refreshCoordinatorProvider,
  sessionStoreProvider,
  wristbandOptionsProvider,
} from './wristband.providers.js';
import { WRISTBAND_OPTIONS } from './wristband.constants.js';
import { WristbandStrategy } from './wristband.strategy.js';

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
  { provide: APP_FILTER, useClass: WristbandExceptionFilter },
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
];

/** `forRootAsync` options: `useFactory` + `inject` (or `useClass` / `useExisting`), plus the graph options. */
export type WristbandModuleAsyncOptions = typeof WRISTBAND_ASYNC_OPTIONS_TYPE;

/**
 * Wristband authentication. `forRoot(options)` or `forRootAsync({ useFactory, inject, globalGuard })`;
 * global, so `WristbandGuard` and the services can be used in every module.
 */
@Module({ imports: [PassportModule], providers, exports: exported })
export class WristbandModule extends ConfigurableWristbandModule {
  static override forRoot(options: WristbandModuleOptions): DynamicModule {
    const { globalGuard, registerAuthRoutes, ...moduleOptions } = options;
    return WristbandModule.complete(super.forRoot(moduleOptions), globalGuard === true, registerAuthRoutes !== false);
  }

  /**
   * Async form. `globalGuard` and `registerAuthRoutes` shape the module graph, which Nest builds before
   * the factory runs: they are read here, next to `useFactory`. The factory's result type has no room
   * for them, and one found there anyway stops the app at startup.
   */
  static override forRootAsync(options: WristbandModuleAsyncOptions): DynamicModule {
    return WristbandModule.complete(super.forRootAsync(options), options.globalGuard === true, options.registerAuthRoutes !== false);
  }

  private static complete(base: DynamicModule, globalGuard: boolean, authRoutes: boolean): DynamicModule {
    return {
      ...base,
      global: true,
      controllers: authRoutes ? [WristbandAuthController] : [],
      providers: [...(base.providers ?? []), ...(globalGuard ? [{ provide: APP_GUARD, useExisting: WristbandGuard }] : [])],
    };
  }
}
