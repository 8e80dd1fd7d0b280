import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import passport from 'passport';
import { LoginRestartError, WristbandError } from '../errors/wristband.errors.js';
import { rawExchange } from '../http/http-exchange.js';
import { WristbandStrategy, type WristbandLoginResult } from '../wristband.strategy.js';

/** How Passport ended one run of the strategy: it asked for a redirect, or it called back with a result. */
type StrategyOutcome = { redirectTo: string } | { result: unknown };

/** What the login guard leaves on the request for the route handler: where to send the browser. */
export interface WristbandLoginRedirect {
  wristbandLoginRedirect?: string;
}

/**
 * Runs this application's `WristbandStrategy` through Passport. Not `AuthGuard('wristband')`: that
 * looks the strategy up by name in Passport's process-wide registry, where the last Nest application
 * created wins, so a second app in the same process (tests, an admin app beside the main one) would
 * log users in with the other app's callback URL, secrets and session store. Passport gets a
 * per-request copy of the strategy because it writes its action callbacks onto the object it is given.
 *
 * The promise settles exactly once per request. Passport's own `redirect` action answers the response
 * and calls back nobody, which would leave the guard (and the interceptors, logs and tracing spans of
 * the request) pending forever; so the redirect is taken over and handed back as a value, and the route
 * handler sends it.
 */
function runStrategy(
  strategy: WristbandStrategy,
  context: ExecutionContext,
  options: object,
): Promise<StrategyOutcome> {
  const { req, res } = rawExchange(context);
  return new Promise((resolve, reject) => {
    const perRequest = Object.create(strategy) as WristbandStrategy;
    // Passport assigns its actions (success, fail, redirect, error, pass) just before it calls
    // `authenticate`, so `redirect` can only be replaced from inside that call.
    perRequest.authenticate = function (
      this: WristbandStrategy,
      ...args: Parameters<WristbandStrategy['authenticate']>
    ) {
      this.redirect = (url: string) => resolve({ redirectTo: url });
      strategy.authenticate.apply(this, args);
    };
    const middleware = passport.authenticate(
      perRequest,
      // Passport hands the strategy the request only; Fastify's raw request does not link its response.
      // The framework's request too: audit events name the client's IP as it sees it (trusted proxies).
      {
        ...options,
        response: res,
        request: context.getArgByIndex<object>(0),
      } as passport.AuthenticateOptions,
      // Passport's errors are Errors (the strategy's and its own).
      (err: Error | null, result: unknown) => (err ? reject(err) : resolve({ result })),
    ) as (req: unknown, res: unknown, next: (err?: Error) => void) => void;
    middleware(req, res, (err?: Error) => (err ? reject(err) : resolve({ result: undefined })));
  });
}

/**
 * Login leg of the Wristband Passport strategy: validates the request and decides where to send the
 * browser (the tenant's authorize URL, or the application login page); `request.wristbandLoginRedirect`
 * holds it and the route handler redirects (see `WristbandAuthController.login`).
 */
@Injectable()
export class WristbandLoginGuard implements CanActivate {
  constructor(private readonly strategy: WristbandStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const outcome = await runStrategy(this.strategy, context, { leg: 'login', session: false });
    if (!('redirectTo' in outcome))
      throw new WristbandError('login_failed', 'The login could not start');
    context.getArgByIndex<WristbandLoginRedirect>(0).wristbandLoginRedirect = outcome.redirectTo;
    return true;
  }
}

/** Callback leg: checks state, exchanges the code, validates tokens; `request.wristbandLogin` holds the result. */
@Injectable()
export class WristbandCallbackGuard implements CanActivate {
  constructor(private readonly strategy: WristbandStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const outcome = await runStrategy(this.strategy, context, { leg: 'callback', session: false });
    const result =
      'result' in outcome
        ? (outcome.result as WristbandLoginResult | false | undefined)
        : undefined;
    if (!result)
      throw new LoginRestartError(
        'login_failed',
        'The login did not complete',
        undefined,
        undefined,
        true,
      );
    context.getArgByIndex<{ wristbandLogin?: WristbandLoginResult }>(0).wristbandLogin = result;
    return true;
  }
}
