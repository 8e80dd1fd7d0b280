import { UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { CurrentTenant, Roles, WristbandGuard, type CurrentTenantInfo } from 'nestjs-wristband';
import { AdminStatsService } from '../admin/admin-stats.service.js';
import { AdminStatsModel } from './models/admin-stats.model.js';

@Resolver(() => AdminStatsModel)
@UseGuards(WristbandGuard)
export class AdminStatsResolver {
  constructor(private readonly stats: AdminStatsService) {}

  /** The REST twin is `GET /api/admin/stats`; without the role: `FORBIDDEN` / `insufficient_role`. */
  @Query(() => AdminStatsModel)
  @Roles('admin')
  adminStats(@CurrentTenant() tenant: CurrentTenantInfo): AdminStatsModel {
    return this.stats.forTenant(tenant.tenantId);
  }
}
