import { Module } from '@nestjs/common';
import { WristbandModule, wristbandOptionsFromEnv } from 'nestjs-wristband';
import { AdminController } from './admin.controller.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';

@Module({
  imports: [WristbandModule.forRoot(wristbandOptionsFromEnv())],
  controllers: [HealthController, MeController, AdminController],
})
export class AppModule {}
