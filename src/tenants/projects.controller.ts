import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { TenantScoped, WristbandGuard } from '../wristband/index.js';
import { ProjectsService } from './projects.service.js';

@Controller('api/tenants')
@UseGuards(WristbandGuard)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  /** `:tenantId` is the Wristband tenant id (`tnt_id`); any other tenant gets 403 `tenant_mismatch`. */
  @Get(':tenantId/projects')
  @TenantScoped('tenantId')
  list(@Param('tenantId') tenantId: string) {
    return { tenantId, projects: this.projects.forTenant(tenantId) };
  }
}
