import { BadRequestException, Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { TenantScoped, WristbandGuard } from 'nestjs-wristband';
import { parseProjectName, PROJECT_NAME_RULE } from './project-name.js';
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

  /** Unsafe method on a cookie session: needs the `x-csrf-token` header too. */
  @Post(':tenantId/projects')
  @TenantScoped('tenantId')
  create(@Param('tenantId') tenantId: string, @Body() body: { name?: unknown } | undefined) {
    const name = parseProjectName(body?.name);
    if (name === undefined) throw new BadRequestException(PROJECT_NAME_RULE);
    return this.projects.create(tenantId, name);
  }
}
