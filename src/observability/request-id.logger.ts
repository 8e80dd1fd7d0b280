import { ConsoleLogger } from '@nestjs/common';
import { currentRequestId } from './request-context.js';

/** Nest's console logger, with `[req <id>]` after the context on every line written during a request. */
export class RequestIdLogger extends ConsoleLogger {
  protected override formatContext(context: string): string {
    const requestId = currentRequestId();
    const formatted = super.formatContext(context);
    return requestId === undefined ? formatted : `${formatted}[req ${requestId}] `;
  }
}
