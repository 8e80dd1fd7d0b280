import { WristbandUnavailableError } from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';

/**
 * A refresh whose request got no answer in time but may still get one: Wristband may have processed
 * it and rotated the refresh token. `late` settles when the request does, with the refreshed session,
 * or `undefined` when no usable answer came; it never rejects.
 */
export class RefreshPendingError extends WristbandUnavailableError {
  override name = 'RefreshPendingError';

  constructor(
    message: string,
    readonly late: Promise<WristbandSession | undefined>,
  ) {
    super(message);
  }
}
