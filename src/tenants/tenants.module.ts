import { Module } from '@nestjs/common';
import { ProjectsController } from './projects.controller.js';
import { ProjectsService } from './projects.service.js';

/** `/api/tenants/:tenantId/projects`; the service is shared with the GraphQL `projects` / `createProject`. */
@Module({
  controllers: [ProjectsController],
  providers: [ProjectsService],
  exports: [ProjectsService],
})
export class TenantsModule {}
