import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId } from 'nestjs-wristband';
import { requestContext } from './request-context.js';

/**
 * Gives every request its id (the caller's sane `x-request-id`, or a new one), echoes it in the response
 * and runs the rest of the request inside its context, so the logger prefixes every line with it. Nest
 * hands middleware Node's request and response on Express and on Fastify alike.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const requestId = assignRequestId(req, res);
    requestContext.run({ requestId }, next);
  }
}
