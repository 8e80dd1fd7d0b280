import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';

/** The authenticated `WristbandUser` (`request.user`), or one of its fields: `@CurrentUser('tenantId')`. */
export const CurrentUser = createParamDecorator(
  (field: keyof WristbandUser | undefined, ctx: ExecutionContext) => {
    const user = ctx.switchToHttp().getRequest<{ user?: WristbandUser }>().user;
    return field ? user?.[field] : user;
  },
);
