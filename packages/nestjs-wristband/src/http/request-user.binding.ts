import { Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { defineRequestUserAccessor, setAuthState } from './request-auth-state.js';

/**
 * Records the guard's result for a request and makes it visible as `request.user`. On Express the
 * `user` accessor is defined once on the app's request prototype at bootstrap; elsewhere (or before
 * bootstrap) `user` is assigned on the request as usual.
 */
@Injectable()
export class RequestUserBinding implements OnApplicationBootstrap {
  private viaAccessor = false;

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'express') return;
    const proto = (adapter.getInstance() as { request?: unknown }).request;
    if (typeof proto === 'object' && proto !== null) this.viaAccessor = defineRequestUserAccessor(proto);
  }

  /** `res` is the request's response as the route handler gets it (Express's, with `locals`). */
  bind(req: object, res: unknown, user: WristbandUser, session?: WristbandSession): void {
    setAuthState(req, user, session, res);
    if (!this.viaAccessor) (req as { user?: unknown }).user = user;
  }
}
