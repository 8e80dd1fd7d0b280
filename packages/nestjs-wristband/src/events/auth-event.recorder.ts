import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { WristbandError } from '../errors/wristband.errors.js';
import { requestIdOf } from '../http/request-id.js';
import { WristbandMetrics } from '../metrics/wristband-metrics.js';
import type {
  RefreshFailureReason,
  WristbandEvent,
  WristbandEventBase,
} from './wristband-event.interface.js';
import { WristbandEvents } from './wristband-events.service.js';

/** The request an event happened in: Node's request (Express's, or Fastify's `request.raw`). */
export interface EventRequest {
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string } | null;
}

/** Who an event is about, as far as it is known. */
export interface EventSubject {
  tenantId?: string;
  tenantName?: string;
  userId?: string;
  clientId?: string;
}

/**
 * The request to name in an event: the framework's own when it has headers (Fastify's request knows the
 * client's IP behind trusted proxies; its `raw` request does not), Node's otherwise.
 */
export function eventRequestOf(exchange: { req: EventRequest; request: object }): EventRequest {
  return 'headers' in exchange.request ? (exchange.request as EventRequest) : exchange.req;
}

/** User agents are the caller's free text: kept, but bounded. */
const MAX_USER_AGENT = 256;

/**
 * The one place the module records what happened: each call feeds the metrics and the audit stream
 * (`WristbandEvents`). Called where a login ends, a request is refused, a refresh fails or sessions end:
 * never on the guard's fast path. Events hold ids and request facts only, never a token or a cookie.
 */
@Injectable()
export class AuthEventRecorder {
  /** Who errors are about, while they are alive (see `attribute`). */
  private readonly subjects = new WeakMap<object, EventSubject>();

  constructor(
    private readonly events: WristbandEvents,
    private readonly metrics: WristbandMetrics,
  ) {}

  loginSucceeded(req: EventRequest, who: EventSubject): void {
    this.metrics.login('success');
    this.publish(req, who, { type: 'login_succeeded' });
  }

  loginFailed(req: EventRequest, error: unknown, who: EventSubject = {}): void {
    const reason = errorCode(error, 'login_failed');
    this.metrics.login('failure', reason);
    // Who the error was attributed to (the login's own state) wins over what the request claims.
    const attributed =
      typeof error === 'object' && error !== null ? this.subjects.get(error) : undefined;
    this.publish(req, attributed ?? who, { type: 'login_failed', reason });
  }

  /** A logout; `who` is undefined when the browser had no live session (nothing ended). */
  logout(req: EventRequest, who: EventSubject | undefined): void {
    if (who) this.metrics.sessionEnded('logout');
    this.publish(req, who ?? {}, { type: 'logout' });
  }

  /**
   * Names who an error is about (the session it was thrown for), for the denial recorded later where the
   * error surfaces. Returns the error.
   */
  attribute<E>(error: E, who: EventSubject): E {
    if (typeof error === 'object' && error !== null) this.subjects.set(error, who);
    return error;
  }

  /** `WristbandGuard` refused the request with `error` (a `WristbandError`; anything else is not a denial). */
  guardDenied(req: EventRequest, error: unknown, who?: EventSubject): void {
    if (!(error instanceof WristbandError)) return;
    who ??= this.subjects.get(error) ?? {};
    this.metrics.guardDenied(error.code);
    if (error.code === 'session_expired') {
      this.metrics.sessionEnded('expired');
      this.publish(req, who, { type: 'session_expired' });
    } else {
      this.refused(req, error, who);
    }
  }

  /** A refusal outside the guard (logout's CSRF check): an event when it is one of the audited kinds. */
  refused(req: EventRequest, error: unknown, who: EventSubject = {}): void {
    if (!(error instanceof WristbandError)) return;
    switch (error.code) {
      case 'csrf_failed':
      case 'cross_site_request':
        return this.publish(req, who, { type: 'csrf_refused', reason: error.code });
      case 'insufficient_role':
        return this.publish(req, who, { type: 'role_refused' });
      case 'tenant_mismatch':
        return this.publish(req, who, { type: 'tenant_mismatch' });
    }
  }

  refreshFailed(
    req: EventRequest | undefined,
    who: EventSubject,
    reason: RefreshFailureReason,
  ): void {
    this.publish(req, who, { type: 'refresh_failed', reason });
  }

  sessionsRevoked(
    req: EventRequest | undefined,
    who: EventSubject,
    scope: 'session' | 'all_sessions_of_user',
    count: number,
  ): void {
    this.metrics.sessionEnded('revoked', count);
    this.publish(req, who, { type: 'session_revoked', scope, count });
  }

  private publish(req: EventRequest | undefined, who: EventSubject, event: EventSpecifics): void {
    const userAgent = req?.headers['user-agent'];
    this.events.publish({
      ...event,
      time: new Date().toISOString(),
      tenantId: who.tenantId,
      tenantName: who.tenantName,
      userId: who.userId,
      clientId: who.clientId,
      requestId: req && requestIdOf(req),
      ip: req && ipOf(req),
      userAgent: userAgent?.slice(0, MAX_USER_AGENT),
    });
  }
}

/** An event's own fields: its type and what only that type carries. */
type EventSpecifics = Specifics<WristbandEvent>;
type Specifics<E> = E extends WristbandEvent
  ? Omit<E, Exclude<keyof WristbandEventBase, 'type'>>
  : never;

function errorCode(error: unknown, fallback: string): string {
  return error instanceof WristbandError ? error.code : fallback;
}

/** `req.ip` where the framework computed it (Express, honouring `trust proxy`); the socket's address otherwise. */
function ipOf(req: EventRequest): string | undefined {
  const ip = (req as { ip?: unknown }).ip;
  return typeof ip === 'string' ? ip : (req.socket?.remoteAddress ?? undefined);
}
