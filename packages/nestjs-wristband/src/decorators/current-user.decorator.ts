import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestUser } from '../http/request-auth-state.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';

/** The authenticated `WristbandUser` (`request.user`), or one of its fields: `@CurrentUser('tenantId')`. */
export const CurrentUser = createParamDecorator(
  (field: keyof WristbandUser | undefined, ctx: ExecutionContext) => {
    const user = requestUser(ctx);
    return field ? user?.[field] : user;
  },
);
