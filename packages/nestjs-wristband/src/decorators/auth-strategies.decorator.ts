import { SetMetadata } from '@nestjs/common';
import type { AuthStrategyName } from '../interfaces/wristband-module-options.interface.js';

import { AUTH_STRATEGIES_KEY } from '../wristband.constants.js';

/** Which credentials this route or controller accepts, tried in this order (overrides the module's `authStrategies`). */
export const AuthStrategies = (
  ...strategies: [AuthStrategyName, ...AuthStrategyName[]]
): MethodDecorator & ClassDecorator => SetMetadata(AUTH_STRATEGIES_KEY, strategies);
