import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';

export interface CurrentTenantInfo {
  tenantId: string;
  tenantName?: string;
}

/** The authenticated tenant, from verified tokens only (never from the request). */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): CurrentTenantInfo | undefined => {
  const user = ctx.switchToHttp().getRequest<{ user?: WristbandUser }>().user;
  return user ? { tenantId: user.tenantId, tenantName: user.tenantName } : undefined;
});
