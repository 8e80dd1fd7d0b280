import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentUser, WristbandGuard, type WristbandUser } from 'nestjs-wristband';

@Controller('api')
@UseGuards(WristbandGuard)
export class MeController {
  @Get('me')
  me(@CurrentUser() user: WristbandUser) {
    return {
      userId: user.userId,
      email: user.email,
      tenantId: user.tenantId,
      tenantName: user.tenantName,
      roles: user.roles,
    };
  }
}
