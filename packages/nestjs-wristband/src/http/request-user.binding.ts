import { Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import type { Exchange } from './execution-exchange.js';
import {
  declareAuthStateSlot,
  defineRequestUserAccessor,
  setAuthState,
  type FastifyRequestDecorators,
} from './request-auth-state.js';

/**
 * Records the guard's result for a request and makes it visible as `request.user`. By default `user` is
 * assigned on the request, as every Passport strategy does. With `requestUserAccessor` on Express, a
 * `user` accessor is defined once on the app's own request prototype at bootstrap instead (no property
 * added per request; see that option for how `req.user` then differs on every route of the app).
 */
@Injectable()
export class RequestUserBinding implements OnApplicationBootstrap {
  private viaAccessor = false;

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() === 'fastify') return declareFastifyRequestSlots(adapter.getInstance());
    if (!this.options.requestUserAccessor) return;
    if (adapter?.getType() !== 'express') return;
    // `app.request`: the prototype of this Express app's requests only (Express makes one per app).
    const proto = adapter.getInstance<{ request?: unknown }>().request;
    if (typeof proto === 'object' && proto !== null)
      this.viaAccessor = defineRequestUserAccessor(proto);
  }

  /** Records `user` for the request of `exchange` and sets `request.user` where handlers read it. */
  bind(exchange: Exchange, user: WristbandUser, session?: WristbandSession): void {
    setAuthState(exchange.req, user, session, exchange.response);
    if (!this.viaAccessor) (exchange.request as { user?: unknown }).user = user;
  }
}

/**
 * Declares `request.user` and the auth state's slot on Fastify, which then sets them in every request's
 * constructor: assigning properties Fastify's requests were not built with gives each request a hidden
 * class of its own, and a WeakMap entry per request costs the garbage collector more.
 */
function declareFastifyRequestSlots(fastify: FastifyRequestDecorators): void {
  if (fastify.hasRequestDecorator?.('user') === false) fastify.decorateRequest?.('user', undefined);
  declareAuthStateSlot(fastify);
}
