/** Stable codes of `WristbandEmulatorError`. */
export type WristbandEmulatorErrorCode =
  /** `oidc-provider` (an optional peer dependency of the package) is not installed. */
  | 'missing_peer_dependency'
  /** An option or argument the emulator cannot work with (TTL below 2 s, duplicate user, bad URL…). */
  | 'invalid_option'
  /** No such user, tenant or client at this emulator. */
  | 'not_found'
  /** The login form was shown again with an error (wrong password, user of another tenant). */
  | 'login_refused'
  /** A login or token request did not go the way the real flow goes (unexpected status or page). */
  | 'flow_failed'
  /** The port is taken. */
  | 'port_in_use';

/** Anything the emulator or the test kit refuses or cannot do. Never carries a secret or a token. */
export class WristbandEmulatorError extends Error {
  override readonly name = 'WristbandEmulatorError';

  constructor(
    readonly code: WristbandEmulatorErrorCode,
    message: string,
    /** The HTTP status that made a flow fail, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}
