import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

/** What `GET /api/admin/stats` answers. */
@ObjectType('AdminStats')
export class AdminStatsModel {
  @Field(() => ID)
  tenantId!: string;

  @Field(() => Int)
  activeUsers!: number;

  @Field(() => Int)
  openInvoices!: number;
}
