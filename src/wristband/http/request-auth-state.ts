import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { rawRequest } from './http-exchange.js';

/** What `WristbandGuard` established for one request. */
export interface RequestAuthState {
  readonly user: WristbandUser;
  /** The session behind `user` when it came from a session cookie (tokens inside: never expose it). */
  readonly session?: WristbandSession;
}

/**
 * Kept beside the request rather than on it: Express re-prototypes every request
 * (`Object.setPrototypeOf`), which gives each one its own V8 hidden class, so every property added to
 * it takes V8's slow path (about 1 µs each, measured by `npm run bench`); a WeakMap entry costs a
 * quarter of that and disappears with the request.
 */
const stateByRequest = new WeakMap<object, RequestAuthState>();

/** The state the guard recorded for this raw request, if any. */
export function getAuthState(req: object): RequestAuthState | undefined {
  return stateByRequest.get(req);
}

/** `request.user` of an HTTP execution context: the guard's state first (no slow lookup on the request). */
export function requestUser(context: Parameters<typeof rawRequest>[0]): WristbandUser | undefined {
  const req = rawRequest(context);
  return stateByRequest.get(req)?.user ?? (req as { user?: WristbandUser }).user;
}

export function setAuthState(req: object, state: RequestAuthState): void {
  stateByRequest.set(req, state);
}

const OURS = Symbol('wristband.requestUserAccessor');

/**
 * Makes `request.user` on every request built from `proto` (Express's per-app request prototype) read
 * and write the recorded state, so apps keep using `req.user` while the guard never adds a property.
 * Returns false, changing nothing, when something else already defines `user` there.
 */
export function defineRequestUserAccessor(proto: object): boolean {
  const existing = Object.getOwnPropertyDescriptor(proto, 'user');
  if (existing) return (existing.get as { [OURS]?: true } | undefined)?.[OURS] === true;
  const get = function (this: object): WristbandUser | undefined {
    return stateByRequest.get(this)?.user;
  };
  Object.defineProperty(get, OURS, { value: true });
  Object.defineProperty(proto, 'user', {
    configurable: true,
    enumerable: false,
    get,
    // Other code may assign `req.user` (passport's `logIn` does): it then is the request's user.
    set(this: object, user: WristbandUser | undefined) {
      if (user === undefined || user === null) stateByRequest.delete(this);
      else if (stateByRequest.get(this)?.user !== user) stateByRequest.set(this, { user });
    },
  });
  return true;
}
