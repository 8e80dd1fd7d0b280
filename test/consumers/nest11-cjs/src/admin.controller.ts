import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentTenant, Roles, WristbandGuard, type CurrentTenantInfo } from 'nestjs-wristband';

@Controller('api/admin')
@UseGuards(WristbandGuard)
export class AdminController {
  @Get('stats')
  @Roles('admin')
  stats(@CurrentTenant() tenant: CurrentTenantInfo) {
    return { tenantId: tenant.tenantId, activeUsers: 42 };
  }
}
