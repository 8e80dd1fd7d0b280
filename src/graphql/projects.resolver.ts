import { UseGuards } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { TenantScoped, WristbandGuard } from 'nestjs-wristband';
import { parseProjectName, PROJECT_NAME_RULE } from '../tenants/project-name.js';
import { ProjectsService } from '../tenants/projects.service.js';
import { ProjectModel } from './models/project.model.js';

/**
 * The REST twins are `GET` / `POST /api/tenants/:tenantId/projects`. `@TenantScoped('tenantId')` reads the
 * GraphQL argument of that name: another tenant's id answers `FORBIDDEN` / `tenant_mismatch`.
 */
@Resolver(() => ProjectModel)
@UseGuards(WristbandGuard)
export class ProjectsResolver {
  constructor(private readonly projects: ProjectsService) {}

  @Query(() => [ProjectModel], { name: 'projects' })
  @TenantScoped('tenantId')
  projectsOf(@Args('tenantId', { type: () => ID }) tenantId: string): ProjectModel[] {
    return this.projects.forTenant(tenantId);
  }

  /** A mutation over a cookie session needs the `x-csrf-token` header, like the REST `POST`. */
  @Mutation(() => ProjectModel)
  @TenantScoped('tenantId')
  createProject(
    @Args('tenantId', { type: () => ID }) tenantId: string,
    @Args('name', { type: () => String }) name: string,
  ): ProjectModel {
    const valid = parseProjectName(name);
    if (valid === undefined) {
      throw new GraphQLError(PROJECT_NAME_RULE, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return this.projects.create(tenantId, valid);
  }
}
