import { Field, ID, ObjectType } from '@nestjs/graphql';

/** The caller, as `GET /api/me` describes it. */
@ObjectType('Me')
export class MeModel {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => String)
  tenantName!: string;

  @Field(() => String, { nullable: true })
  email?: string;

  @Field(() => [String])
  roles!: string[];
}
