import {
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import type { ObservabilityConfig } from '../config/observability.config.js';
import { AuditLogWriter } from './audit-log.writer.js';
import { MetricsController } from './metrics.controller.js';
import { RequestIdMiddleware } from './request-id.middleware.js';

/** Request ids on every request; `/metrics` and the audit log when configured. */
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(config: ObservabilityConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: config.metricsEnabled ? [MetricsController] : [],
      providers: config.auditLog ? [AuditLogWriter] : [],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
