import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { graphqlRequestAndResponse, type ContextArgs } from './execution-exchange.js';
import { rawRequestOf } from './http-exchange.js';

/** What `WristbandGuard` established for one request. */
export interface RequestAuthState {
  readonly user: WristbandUser;
  /** The session behind `user` when it came from a session cookie (tokens inside: never expose it). */
  readonly session?: WristbandSession;
}

/** The state as stored: the session is private, so code that logs or renders `res.locals` never shows its tokens. */
class RecordedAuthState implements RequestAuthState {
  readonly #session: WristbandSession | undefined;

  constructor(
    readonly user: WristbandUser,
    session?: WristbandSession,
  ) {
    this.#session = session;
  }

  get session(): WristbandSession | undefined {
    return this.#session;
  }
}

/**
 * Where a request's state is kept. Not on the request: Express re-prototypes every request
 * (`Object.setPrototypeOf`), which gives each one its own V8 hidden class, so every property added to
 * it takes V8's slow path.
 *
 * On Express: a symbol entry of `res.locals`, the null-prototype object Express makes for values
 * scoped to one request. No template can name a symbol, and the session inside is a private field.
 * It costs one slow property lookup on the response for the guard and one for the decorator. A
 * WeakMap entry, used before, cost more on every request: the ephemeron write barrier, the scavenger
 * clearing old ephemerons, and V8 moving the values it kept alive to the old generation
 * (measurements: docs/PERFORMANCE.md).
 *
 * Code that replaces `res.locals` with a new object (instead of adding to it) between the guard and the
 * handler drops the state: `@CurrentUser()` is then undefined, never another request's user.
 *
 * On Fastify: a symbol slot declared once on every request (`declareAuthStateSlot`, at bootstrap), found
 * through the reply's `request`: Fastify builds each request with its declared slots, so writing it keeps
 * the object's shape.
 *
 * Elsewhere (neither): a WeakMap keyed by the request, which disappears with it.
 */
const STATE = Symbol('wristband.requestAuthState');
const stateByRequest = new WeakMap<object, RequestAuthState>();

type Locals = Record<symbol, RequestAuthState | undefined>;

function localsOf(res: unknown): Locals | undefined {
  const locals = (res as { locals?: unknown } | undefined)?.locals;
  if (typeof locals === 'object' && locals !== null) return locals as Locals;
  const request = (res as { request?: unknown } | undefined)?.request;
  return typeof request === 'object' && request !== null && STATE in request
    ? (request as Locals)
    : undefined;
}

/** The part of a Fastify instance used to declare request slots. */
export interface FastifyRequestDecorators {
  hasRequestDecorator?(name: string | symbol): boolean;
  decorateRequest?(name: string | symbol, value: unknown): void;
}

/** Declares the state's slot on every request of a Fastify app (before it starts). */
export function declareAuthStateSlot(fastify: FastifyRequestDecorators): void {
  if (fastify.hasRequestDecorator?.(STATE) === false) fastify.decorateRequest?.(STATE, undefined);
}

/** Express's response for a request (`req.res`), when there is one. */
function responseOf(req: object): unknown {
  return (req as { res?: unknown }).res;
}

/** The state recorded for this raw request, if any (`res` defaults to Express's `req.res`). */
export function getAuthState(
  req: object,
  res: unknown = responseOf(req),
): RequestAuthState | undefined {
  return localsOf(res)?.[STATE] ?? stateByRequest.get(req);
}

/**
 * `request.user` of an HTTP route or a GraphQL resolver: the guard's state first (no slow lookup on the
 * request).
 */
export function requestUser(context: ContextArgs): WristbandUser | undefined {
  if (context.getType() === 'graphql') {
    const found = graphqlRequestAndResponse(context);
    return found && userOf(found.request, found.response);
  }
  return userOf(context.getArgByIndex<object>(0), context.getArgByIndex<unknown>(1));
}

function userOf(request: object, response: unknown): WristbandUser | undefined {
  const locals = localsOf(response);
  const recorded = locals?.[STATE];
  if (recorded) return recorded.user;
  const req = rawRequestOf(request);
  // With our accessor on the request's prototype, every `req.user` assignment was recorded in the locals.
  if (locals && prototypesWithAccessor.has(Object.getPrototypeOf(req) as object)) return undefined;
  return stateByRequest.get(req)?.user ?? (request as { user?: WristbandUser }).user;
}

/**
 * Records the user (and the session behind it) of a request, or forgets it with `undefined`; `res`
 * defaults to Express's `req.res`.
 */
export function setAuthState(
  req: object,
  user: WristbandUser | undefined,
  session?: WristbandSession,
  res: unknown = responseOf(req),
): void {
  const locals = localsOf(res);
  const recorded = user === undefined ? undefined : new RecordedAuthState(user, session);
  if (locals) {
    locals[STATE] = recorded;
    if (!recorded) stateByRequest.delete(req);
  } else if (recorded) {
    stateByRequest.set(req, recorded);
  } else {
    stateByRequest.delete(req);
  }
}

const OURS = Symbol('wristband.requestUserAccessor');
const prototypesWithAccessor = new WeakSet<object>();

/**
 * Makes `request.user` on every request built from `proto` (Express's per-app request prototype) read
 * and write the recorded state, so apps keep using `req.user` while the guard never adds a property.
 * Returns false, changing nothing, when something else already defines `user` there. Opt-in
 * (`requestUserAccessor`): it changes `req.user` for every route of the app.
 */
export function defineRequestUserAccessor(proto: object): boolean {
  const existing = Object.getOwnPropertyDescriptor(proto, 'user');
  if (existing) return (existing.get as { [OURS]?: true } | undefined)?.[OURS] === true;
  prototypesWithAccessor.add(proto);
  const get = function (this: object): WristbandUser | undefined {
    return getAuthState(this)?.user;
  };
  Object.defineProperty(get, OURS, { value: true });
  Object.defineProperty(proto, 'user', {
    configurable: true,
    enumerable: false,
    get,
    // Other code may assign `req.user` (passport's `logIn` does): it then is the request's user, read
    // back as assigned (`null` included: passport's `logout` assigns it).
    set(this: object, user: WristbandUser | undefined) {
      if (user === undefined) setAuthState(this, undefined);
      else if (getAuthState(this)?.user !== user) setAuthState(this, user);
    },
  });
  return true;
}
