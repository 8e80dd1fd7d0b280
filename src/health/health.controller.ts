import { Controller, Get } from '@nestjs/common';
import { Public } from '../wristband/index.js';

@Public()
@Controller('health')
export class HealthController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}
