import { WRISTBAND_ERROR_STATUS } from './wristband-error-status.js';
import type { WristbandError, WristbandErrorCode } from './wristband.errors.js';

/** `extensions.code` of a refused GraphQL call, by the HTTP status the same refusal has on REST. */
const GRAPHQL_CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
};

/** What a refused GraphQL call reports in `errors[].extensions`. */
export interface WristbandGraphQLErrorExtensions {
  /** `UNAUTHENTICATED` (401 reasons), `FORBIDDEN` (403), `SERVICE_UNAVAILABLE` (503), ... */
  code: string;
  /** The same reason string the REST routes answer (`session_required`, `insufficient_role`, ...). */
  reason: WristbandErrorCode;
}

/**
 * A `WristbandError` as GraphQL reports it. GraphQL servers (Apollo, Mercurius) copy an error's own
 * `extensions` into the response, so no dependency on `graphql` is needed. It carries no stack frames,
 * so no server can print them, whatever its stack-trace setting.
 */
export class WristbandGraphQLError extends Error {
  override name = 'WristbandGraphQLError';
  readonly extensions: WristbandGraphQLErrorExtensions;

  constructor(error: WristbandError) {
    super(error.message);
    this.extensions = {
      code: GRAPHQL_CODE_BY_STATUS[WRISTBAND_ERROR_STATUS[error.code]] ?? 'INTERNAL_SERVER_ERROR',
      reason: error.code,
    };
    this.stack = `${this.name}: ${this.message}`;
  }
}
