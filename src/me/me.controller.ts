import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentUser, WristbandGuard, type WristbandUser } from 'nestjs-wristband';

@Controller('api')
export class MeController {
  @Get('me')
  @UseGuards(WristbandGuard)
  me(@CurrentUser() user: WristbandUser) {
    return {
      userId: user.userId,
      tenantId: user.tenantId,
      tenantName: user.tenantName,
      identityProviderName: user.identityProviderName,
      email: user.email,
      roles: user.roles,
    };
  }
}
