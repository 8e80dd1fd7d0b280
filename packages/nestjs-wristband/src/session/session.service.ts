import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import {
  clearCookie,
  cookieFromHeader,
  cookieName,
  readCookie,
  responseHeadersOf,
  setCookie,
  type RawRequest,
  type RawResponse,
} from '../http/http-exchange.js';
import { SESSION_STORE, type SessionStore } from './session-store.interface.js';
import { MAX_COOKIE_BYTES, SessionTooLargeError } from '../errors/wristband.errors.js';

/**
 * Where a session's cookies are written: Node's `ServerResponse` (Express's response is one) or Fastify's
 * reply, as a handler gets either with `@Res({ passthrough: true })`.
 */
export type SessionResponse =
  RawResponse | { raw: ServerResponse; header(name: string, value: string | string[]): unknown };

export type SessionLookup =
  { status: 'ok'; session: WristbandSession } | { status: 'none' | 'invalid' | 'expired' };

/** Data a new session starts from (ids, timestamps and the CSRF token are added here). */
export type NewSession = Omit<WristbandSession, 'id' | 'csrfToken' | 'createdAt' | 'lastSeenAt'>;

/**
 * Session lifecycle over the configured `SessionStore`: cookie in, session out; lifetimes checked from
 * data inside the seal; cookie written only when the session changed or nears its idle limit.
 */
@Injectable()
export class SessionService {
  readonly cookieName: string;
  private readonly csrfCookieName: string;
  private readonly logger = new Logger('Wristband');

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
  ) {
    this.cookieName = cookieName(options.session.cookieName, options.secureCookies);
    // Never `__Host-` prefixed: front-end code reads it by the name it was configured with.
    this.csrfCookieName = options.session.csrfCookieName;
  }

  /** The raw session cookie value, if the request's headers carry one. */
  cookieValue(headers: IncomingHttpHeaders): string | undefined {
    return cookieFromHeader(headers.cookie, this.cookieName);
  }

  load(req: RawRequest, now = Date.now()): Promise<SessionLookup> {
    return this.open(readCookie(req, this.cookieName), now);
  }

  /** `load` for a session cookie value already read from the request. */
  async open(value: string | undefined, now = Date.now()): Promise<SessionLookup> {
    if (!value) return { status: 'none' };
    const session = await this.store.read(value);
    if (!session) return { status: 'invalid' };
    if (this.isExpired(session, now)) return { status: 'expired' };
    return { status: 'ok', session };
  }

  /**
   * Synchronous read for the guard's fast path: the session when the store can answer from memory and
   * the session is valid and needs no write; otherwise `undefined` (take the async path).
   */
  peek(cookieValue: string, now = Date.now()): WristbandSession | undefined {
    if (!this.store.readSync || !cookieValue) return undefined;
    const session = this.store.readSync(cookieValue);
    return session && !this.isExpired(session, now) && !this.needsTouch(session, now)
      ? session
      : undefined;
  }

  isExpired(session: WristbandSession, now = Date.now()): boolean {
    const { idleTimeoutSeconds, absoluteTimeoutSeconds } = this.options.session;
    return (
      now - session.lastSeenAt > idleTimeoutSeconds * 1000 ||
      now - session.createdAt > absoluteTimeoutSeconds * 1000
    );
  }

  /** Starts a brand-new session (new id, new CSRF token): a login never reuses an older session. */
  async create(
    res: SessionResponse,
    data: NewSession,
    now = Date.now(),
  ): Promise<WristbandSession> {
    const session: WristbandSession = {
      ...data,
      id: randomBytes(24).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    };
    await this.commit(res, session, now);
    return session;
  }

  /** Whether the session should be re-written to extend its idle lifetime. */
  needsTouch(session: WristbandSession, now = Date.now()): boolean {
    // Re-seal at most every tenth of the idle lifetime: cheap requests, accurate enough idle expiry.
    return now - session.lastSeenAt > (this.options.session.idleTimeoutSeconds * 1000) / 10;
  }

  /** Persists the session and (re)sends its cookies, with an expiry that respects both lifetimes. */
  async commit(res: SessionResponse, session: WristbandSession, now = Date.now()): Promise<void> {
    const headers = responseHeadersOf(res);
    const touched = { ...session, lastSeenAt: now };
    const ttl = this.remainingSeconds(touched, now);
    const value = await this.store.write(touched, ttl);
    // Sealed values are ASCII, so characters are bytes. Refuse rather than send a cookie the browser drops.
    const cookieBytes = this.cookieName.length + 1 + value.length;
    if (cookieBytes > MAX_COOKIE_BYTES) {
      const error = new SessionTooLargeError(cookieBytes);
      this.logger.error(
        `${error.message} (tenant ${session.tenantId}, user ${session.userId}, ${session.roles.length} roles)`,
      );
      throw error;
    }
    const secure = this.options.secureCookies;
    setCookie(headers, this.cookieName, value, {
      secure,
      httpOnly: true,
      sameSite: 'lax',
      maxAgeSeconds: ttl,
    });
    // Readable by front-end code on purpose: it echoes the value in `x-csrf-token`.
    setCookie(headers, this.csrfCookieName, session.csrfToken, {
      secure,
      httpOnly: false,
      sameSite: 'lax',
      maxAgeSeconds: ttl,
    });
  }

  /** Ends the session server-side (if the store has a server side) and clears its cookies. */
  /** Ends the session in the store, then clears its cookies (a store failure leaves both as they were). */
  async destroy(res: SessionResponse, session?: WristbandSession): Promise<void> {
    if (session) await this.store.destroy(session);
    this.clearCookies(res);
  }

  clearCookies(res: SessionResponse): void {
    const headers = responseHeadersOf(res);
    clearCookie(headers, this.cookieName, this.options.secureCookies);
    clearCookie(headers, this.csrfCookieName, this.options.secureCookies, false);
  }

  remainingSeconds(session: WristbandSession, now = Date.now()): number {
    const { idleTimeoutSeconds, absoluteTimeoutSeconds } = this.options.session;
    const absoluteLeft = (session.createdAt + absoluteTimeoutSeconds * 1000 - now) / 1000;
    return Math.max(1, Math.floor(Math.min(idleTimeoutSeconds, absoluteLeft)));
  }
}
