import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/** Login leg of the `wristband` Passport strategy: validates the request and redirects to Wristband. */
@Injectable()
export class WristbandLoginGuard extends AuthGuard('wristband') {
  override getAuthenticateOptions() {
    return { leg: 'login', session: false };
  }
}

/** Callback leg: checks state, exchanges the code, validates tokens; `request.wristbandLogin` holds the result. */
@Injectable()
export class WristbandCallbackGuard extends AuthGuard('wristband') {
  override getAuthenticateOptions() {
    return { leg: 'callback', session: false, property: 'wristbandLogin' };
  }

  override handleRequest<T>(err: unknown, result: T): T {
    if (err) throw err;
    return result;
  }
}
