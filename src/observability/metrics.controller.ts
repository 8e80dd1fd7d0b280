import { Controller, Get, Header } from '@nestjs/common';
import { Public } from 'nestjs-wristband';
import { register } from 'prom-client';

/**
 * `GET /metrics` (only with `METRICS_ENABLED=true`): prom-client's global registry in Prometheus' text
 * format, Wristband's `wristband_*` metrics included. Public like `/health`: keep it off the internet
 * (a network policy, or a port only the scraper reaches).
 */
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('content-type', register.contentType)
  @Header('cache-control', 'no-store')
  metrics(): Promise<string> {
    return register.metrics();
  }
}
