import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableWristbandModule,
  MODULE_OPTIONS_TOKEN: WRISTBAND_MODULE_OPTIONS,
  OPTIONS_TYPE: WRISTBAND_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: WRISTBAND_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WristbandModuleOptions>().setClassMethodName('forRoot').build();
