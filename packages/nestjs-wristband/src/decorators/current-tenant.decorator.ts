import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestUser } from '../http/request-auth-state.js';

export interface CurrentTenantInfo {
  tenantId: string;
  tenantName?: string;
}

/** The authenticated tenant, from verified tokens only (never from the request). */
export const CurrentTenant = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CurrentTenantInfo | undefined => {
    const user = requestUser(ctx);
    return user ? { tenantId: user.tenantId, tenantName: user.tenantName } : undefined;
  },
);
