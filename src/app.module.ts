import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { WristbandModule, type WristbandModuleOptions } from 'nestjs-wristband';
import { AdminController } from './admin/admin.controller.js';
import { loadAppConfig, type AppConfig } from './config/app.config.js';
import { HealthController } from './health/health.controller.js';
import { HomeController } from './home/home.controller.js';
import { MeController } from './me/me.controller.js';
import { ProjectsController } from './tenants/projects.controller.js';
import { ProjectsService } from './tenants/projects.service.js';

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
    const config = loadAppConfig(options.env ?? process.env);
    // The graph options go next to useFactory: the factory's result cannot hold them.
    const { globalGuard, registerAuthRoutes, authRoutePrefix, ...wristband } = {
      ...config.wristband,
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
      ],
      controllers: [
        HomeController,
        HealthController,
        MeController,
        AdminController,
        ProjectsController,
      ],
      providers: [ProjectsService],
    };
  }
}
