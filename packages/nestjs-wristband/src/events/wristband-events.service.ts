import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { WristbandEvent } from './wristband-event.interface.js';

/**
 * The module's audit events as an RxJS stream. Subscribe to send them to a log or a SIEM:
 *
 * ```ts
 * constructor(events: WristbandEvents) {
 *   events.events$.subscribe((event) => siem.send(event));
 * }
 * ```
 *
 * Events are delivered synchronously while the request is handled: a subscriber doing I/O should hand
 * each event off (queue, buffer) instead of waiting, and must not throw (RxJS reports a subscriber's
 * error as an uncaught exception).
 */
@Injectable()
export class WristbandEvents implements OnApplicationShutdown {
  private readonly subject = new Subject<WristbandEvent>();
  readonly events$: Observable<WristbandEvent> = this.subject.asObservable();

  /** @internal Called by the module only. */
  publish(event: WristbandEvent): void {
    if (this.subject.observed) this.subject.next(event);
  }

  // After the HTTP server has closed (not onModuleDestroy): requests still in flight emit events.
  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
