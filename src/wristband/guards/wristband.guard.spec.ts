import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WristbandError } from '../errors/wristband.errors.js';
import { WristbandGuard } from './wristband.guard.js';

describe('WristbandGuard outside HTTP', () => {
  it.each(['ws', 'rpc', 'graphql'])('refuses a %s context with a clear error instead of letting it through', (type) => {
    const guard = new WristbandGuard(new Reflector(), { authStrategies: ['session'] } as never, {} as never, {} as never, {} as never, {} as never, {} as never);
    const context = { getType: () => type, getHandler: () => () => undefined, getClass: () => Object } as unknown as ExecutionContext;
    expect(() => guard.canActivate(context)).toThrow(WristbandError);
    expect(() => guard.canActivate(context)).toThrow(/HTTP routes only/);
  });
});
