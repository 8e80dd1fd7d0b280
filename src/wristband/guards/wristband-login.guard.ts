import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import passport from 'passport';
import { LoginRestartError } from '../errors/wristband.errors.js';
import { rawExchange } from '../http/http-exchange.js';
import { WristbandStrategy, type WristbandLoginResult } from '../wristband.strategy.js';

/**
 * Runs this application's `WristbandStrategy` through Passport. Not `AuthGuard('wristband')`: that
 * looks the strategy up by name in Passport's process-wide registry, where the last Nest application
 * created wins, so a second app in the same process (tests, an admin app beside the main one) would
 * log users in with the other app's callback URL, secrets and session store. Passport gets a
 * per-request copy of the strategy because it writes its action callbacks onto the object it is given.
 */
function runStrategy(strategy: WristbandStrategy, context: ExecutionContext, options: object): Promise<unknown> {
  const { req, res } = rawExchange(context);
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate(Object.create(strategy) as WristbandStrategy, options, (err: unknown, result: unknown) =>
      err ? reject(err as Error) : resolve(result),
    ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
    // A redirect (login leg) answers the request itself and settles nothing: the route never runs.
    middleware(req, res, (err?: unknown) => (err ? reject(err as Error) : resolve(undefined)));
  });
}

/** Login leg of the Wristband Passport strategy: validates the request and redirects to Wristband. */
@Injectable()
export class WristbandLoginGuard implements CanActivate {
  constructor(private readonly strategy: WristbandStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await runStrategy(this.strategy, context, { leg: 'login', session: false });
    return true;
  }
}

/** Callback leg: checks state, exchanges the code, validates tokens; `request.wristbandLogin` holds the result. */
@Injectable()
export class WristbandCallbackGuard implements CanActivate {
  constructor(private readonly strategy: WristbandStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await runStrategy(this.strategy, context, { leg: 'callback', session: false })) as WristbandLoginResult | false | undefined;
    if (!result) throw new LoginRestartError('login_failed', 'The login did not complete', undefined, undefined, true);
    const { req } = rawExchange(context);
    (req as { wristbandLogin?: WristbandLoginResult }).wristbandLogin = result;
    return true;
  }
}
