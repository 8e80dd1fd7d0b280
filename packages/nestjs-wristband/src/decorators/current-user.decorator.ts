import {
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import { requestUser } from '../http/request-auth-state.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';

/**
 * The authenticated `WristbandUser` (`request.user`), or one of its fields: `@CurrentUser('tenantId')`.
 * Typed by hand: the inferred type names Nest 12's `ParameterDecoratorOptions`, which Nest 11 lacks.
 */
export const CurrentUser: (
  ...dataOrPipes: (keyof WristbandUser | PipeTransform | Type<PipeTransform> | undefined)[]
) => ParameterDecorator = createParamDecorator(
  (field: keyof WristbandUser | undefined, ctx: ExecutionContext) => {
    const user = requestUser(ctx);
    return field ? user?.[field] : user;
  },
);
