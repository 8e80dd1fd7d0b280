import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { WristbandModule, type WristbandModuleOptions } from 'nestjs-wristband';
import { AdminModule } from './admin/admin.module.js';
import { loadAppConfig, type AppConfig } from './config/app.config.js';
import { AppGraphqlModule } from './graphql/graphql.module.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { HomeController } from './home/home.controller.js';
import { MeController } from './me/me.controller.js';
import { TenantsModule } from './tenants/tenants.module.js';

export interface AppModuleOptions {
  /** Environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Programmatic overrides on top of the environment (tests, embedding). */
  wristband?: Partial<WristbandModuleOptions>;
}

@Module({})
export class AppModule {
  /** Validates the environment now: a bad configuration throws one error naming every bad variable. */
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    const env = options.env ?? process.env;
    const config = loadAppConfig(env);
    // The graph options go next to useFactory: the factory's result cannot hold them.
    const { globalGuard, registerAuthRoutes, authRoutePrefix, ...wristband } = {
      ...config.wristband,
      // METRICS_ENABLED: Wristband's metrics on prom-client's global registry, served at /metrics.
      ...(config.observability.metricsEnabled && { metrics: {} }),
      ...options.wristband,
      // The one option group the environment fills (WRISTBAND_BEARER_ALLOWED_CLIENT_IDS): merged, not replaced.
      bearer: { ...config.wristband.bearer, ...options.wristband?.bearer },
    };
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ ...config, wristband })],
        }),
        WristbandModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (c: ConfigService<AppConfig, true>) => c.get('wristband', { infer: true }),
          globalGuard,
          registerAuthRoutes,
          authRoutePrefix,
        }),
        HealthModule,
        ObservabilityModule.forRoot(config.observability),
        AdminModule,
        TenantsModule,
        AppGraphqlModule.forRoot({ production: env.NODE_ENV === 'production' }),
      ],
      controllers: [HomeController, MeController],
    };
  }
}
