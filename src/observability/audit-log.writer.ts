import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { WristbandEvents, type WristbandEvent } from 'nestjs-wristband';
import type { Subscription } from 'rxjs';

/**
 * `AUDIT_LOG=true`: each of Wristband's audit events as one JSON line on stdout, for a log shipper to
 * forward (`{"audit":"wristband","type":"login_failed",...}`). Events carry no token, cookie or secret.
 */
@Injectable()
export class AuditLogWriter implements OnModuleInit, OnApplicationShutdown {
  private subscription?: Subscription;
  private readonly logger = new Logger('Audit');

  constructor(private readonly events: WristbandEvents) {}

  onModuleInit(): void {
    this.subscription = this.events.events$.subscribe((event) => this.write(event));
  }

  // After the HTTP server has closed: requests still in flight at shutdown emit events too.
  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private write(event: WristbandEvent): void {
    try {
      process.stdout.write(`${JSON.stringify({ audit: 'wristband', ...event })}\n`);
    } catch (err) {
      // An audit line lost must not fail the request it describes.
      this.logger.error(`Audit event not written: ${(err as Error).message}`);
    }
  }
}
