import { timingSafeEqual } from 'node:crypto';
import { AccessDeniedError } from '../errors/wristband.errors.js';
import type { RawRequest } from '../http/http-exchange.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { CSRF_HEADER_NAME } from '../wristband.constants.js';

/**
 * Double-submit CSRF check: the token kept inside the session must come back in `x-csrf-token`
 * (header names are case-insensitive; Node lower-cases them). Compared in constant time.
 */
export function assertCsrfToken(req: RawRequest, session: WristbandSession): void {
  const sent = req.headers[CSRF_HEADER_NAME];
  const actual = Buffer.from(typeof sent === 'string' ? sent : '');
  const expected = Buffer.from(session.csrfToken);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new AccessDeniedError('csrf_failed', `Missing or wrong ${CSRF_HEADER_NAME} header`);
  }
}
