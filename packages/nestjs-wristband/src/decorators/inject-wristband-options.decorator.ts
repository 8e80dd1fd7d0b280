import { Inject } from '@nestjs/common';
import { WRISTBAND_OPTIONS } from '../wristband.constants.js';

/** Injects the validated `ResolvedWristbandOptions`. */
export const InjectWristbandOptions = (): ParameterDecorator => Inject(WRISTBAND_OPTIONS);
