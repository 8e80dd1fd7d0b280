import { Module } from '@nestjs/common';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminController } from './admin.controller.js';

/** `GET /api/admin/stats`; the service is shared with the GraphQL `adminStats` query. */
@Module({
  controllers: [AdminController],
  providers: [AdminStatsService],
  exports: [AdminStatsService],
})
export class AdminModule {}
