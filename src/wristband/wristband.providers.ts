import type { Provider } from '@nestjs/common';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import type { WristbandModuleOptions } from './interfaces/wristband-module-options.interface.js';
import { CookieSealer } from './session/cookie-sealer.js';
import { CookieSessionStore } from './session/cookie-session.store.js';
import { SESSION_STORE } from './session/session-store.interface.js';
import { InProcessRefreshCoordinator, REFRESH_COORDINATOR } from './tokens/refresh-coordinator.interface.js';
import { WRISTBAND_MODULE_OPTIONS } from './wristband.module-definition.js';
import { WRISTBAND_OPTIONS } from './wristband.constants.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

export const wristbandOptionsProvider: Provider = {
  provide: WRISTBAND_OPTIONS,
  inject: [WRISTBAND_MODULE_OPTIONS],
  useFactory: (options: WristbandModuleOptions) => resolveWristbandOptions(options),
};

export const cookieSealerProvider: Provider = {
  provide: CookieSealer,
  inject: [WRISTBAND_OPTIONS],
  useFactory: (options: ResolvedWristbandOptions) => new CookieSealer(options.sessionSecrets),
};

export const sessionStoreProvider: Provider = {
  provide: SESSION_STORE,
  inject: [CookieSealer],
  useFactory: (sealer: CookieSealer) => new CookieSessionStore(sealer),
};

export const refreshCoordinatorProvider: Provider = {
  provide: REFRESH_COORDINATOR,
  useFactory: () => new InProcessRefreshCoordinator(),
};
