import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../wristband.constants.js';

/** Lets anonymous requests through a global `WristbandGuard` (route or controller). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
