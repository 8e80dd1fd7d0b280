import { Module } from '@nestjs/common';
import { WristbandModule, wristbandOptionsFromEnv } from 'nestjs-wristband';
import { AdminController } from './admin.controller';
import { HealthController } from './health.controller';
import { MeController } from './me.controller';

@Module({
  imports: [WristbandModule.forRoot(wristbandOptionsFromEnv())],
  controllers: [HealthController, MeController, AdminController],
})
export class AppModule {}
