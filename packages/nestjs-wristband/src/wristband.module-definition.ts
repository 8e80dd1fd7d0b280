import { ConfigurableModuleBuilder } from '@nestjs/common';
import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import type {
  WristbandModuleFactoryOptions,
  WristbandModuleGraphOptionName,
  WristbandModuleGraphOptions,
} from './interfaces/wristband-module-options.interface.js';

/**
 * The graph options are Nest "extras": top-level in `forRoot(options)` (and left out of the options the
 * providers see) and next to `useFactory` in `forRootAsync`. The defaults list every extra, since Nest
 * strips only the keys named here.
 */
export const GRAPH_OPTION_DEFAULTS: Required<WristbandModuleGraphOptions> = {
  globalGuard: false,
  registerAuthRoutes: true,
  authRoutePrefix: 'auth',
};

/** Injection token of the graph options as given (internal: the options provider validates them with the rest). */
export const WRISTBAND_GRAPH_OPTIONS = Symbol('WristbandGraphOptions');

export const {
  ConfigurableModuleClass: ConfigurableWristbandModule,
  MODULE_OPTIONS_TOKEN: WRISTBAND_MODULE_OPTIONS,
  ASYNC_OPTIONS_TYPE: WRISTBAND_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WristbandModuleFactoryOptions>()
  .setClassMethodName('forRoot')
  .setExtras<WristbandModuleGraphOptions>(GRAPH_OPTION_DEFAULTS)
  .build();

/**
 * The options providers receive never hold a graph option (`forRoot` strips them), so one found there
 * came from a `forRootAsync` factory, where it cannot take effect: stop rather than serve routes
 * without the guard the app asked for.
 */
export function assertNoGraphOptions(options: object): void {
  const misplaced = (Object.keys(GRAPH_OPTION_DEFAULTS) as WristbandModuleGraphOptionName[]).filter(
    (name) => (options as Partial<Record<string, unknown>>)[name] !== undefined,
  );
  if (misplaced.length) {
    throw new WristbandConfigurationError(
      misplaced.map(
        (name) =>
          `${name} was returned by the forRootAsync factory, where it is ignored: put it next to useFactory, ` +
          `e.g. WristbandModule.forRootAsync({ useFactory, inject, ${name}: … })`,
      ),
    );
  }
}
