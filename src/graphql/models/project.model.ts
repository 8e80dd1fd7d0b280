import { Field, ID, ObjectType } from '@nestjs/graphql';

/** One of a tenant's projects (src/tenants/projects.service.ts). */
@ObjectType('Project')
export class ProjectModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => String)
  name!: string;
}
