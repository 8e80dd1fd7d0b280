import { UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { CurrentUser, WristbandGuard, type WristbandUser } from 'nestjs-wristband';
import { MeModel } from './models/me.model.js';

@Resolver(() => MeModel)
@UseGuards(WristbandGuard)
export class MeResolver {
  /** The caller, by session cookie or bearer token (the REST twin is `GET /api/me`). */
  @Query(() => MeModel)
  me(@CurrentUser() user: WristbandUser): MeModel {
    return {
      userId: user.userId,
      tenantId: user.tenantId,
      // The schema says String!: a bearer token without `tnt_name` (some machine clients) answers ''.
      tenantName: user.tenantName ?? '',
      email: user.email,
      roles: user.roles,
    };
  }
}
