import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public, WristbandHealthIndicator, WristbandRedisHealthIndicator } from 'nestjs-wristband';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly wristband: WristbandHealthIndicator,
    private readonly redis: WristbandRedisHealthIndicator,
  ) {}

  /** Liveness: the process answers. Cheap, no dependencies, never calls Wristband. */
  @Get()
  health() {
    return { status: 'ok' };
  }

  /**
   * Readiness, in terminus' format: Wristband's JWKS endpoint (result reused for 5 s, so probes cannot
   * flood Wristband) and, when sessions live there, Redis. 503 naming the failing indicator.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.checks.check([
      () => this.wristband.isHealthy('wristband'),
      ...(this.redis.enabled ? [() => this.redis.isHealthy('redis')] : []),
    ]);
  }
}
