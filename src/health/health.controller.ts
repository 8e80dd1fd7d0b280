import { Controller, Get } from '@nestjs/common';
import { Public } from 'nestjs-wristband';

@Public()
@Controller('health')
export class HealthController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}
