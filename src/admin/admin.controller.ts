import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentTenant, Roles, WristbandGuard, type CurrentTenantInfo } from 'nestjs-wristband';
import { AdminStatsService } from './admin-stats.service.js';

@Controller('api/admin')
@UseGuards(WristbandGuard)
export class AdminController {
  constructor(private readonly stats: AdminStatsService) {}

  @Get('stats')
  @Roles('admin')
  tenantStats(@CurrentTenant() tenant: CurrentTenantInfo) {
    return this.stats.forTenant(tenant.tenantId);
  }
}
