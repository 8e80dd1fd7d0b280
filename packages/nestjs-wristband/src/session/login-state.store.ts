import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import {
  LOGIN_STATE_TTL_SECONDS,
  MAX_LOGIN_STATES,
  RETURN_URL_TTL_SECONDS,
} from '../wristband.constants.js';
import {
  clearCookie,
  cookieName,
  readCookie,
  readCookies,
  setCookie,
  type RawRequest,
  type RawResponse,
} from '../http/http-exchange.js';
import { CookieSealer } from './cookie-sealer.js';

/** What one login attempt must remember until its callback. */
export interface LoginState {
  state: string;
  codeVerifier: string;
  nonce: string;
  tenantName: string;
  tenantCustomDomain?: string;
  returnUrl?: string;
  createdAt: number;
}

export type LoginStateFailure = 'login_state_missing' | 'login_state_invalid' | 'state_mismatch';

/**
 * The return URL of a login started without a tenant. Sealed with the login-state keys; `kind` keeps it
 * from passing for a login state (which needs `state`) and the other way round.
 */
interface PendingReturnUrl {
  kind: 'return-url';
  returnUrl: string;
  createdAt: number;
}

/**
 * Login state in one sealed cookie per attempt (named after the state), so several tabs can log in
 * at once and no server-side session is needed. At most `MAX_LOGIN_STATES` live; the oldest goes first.
 */
@Injectable()
export class LoginStateStore {
  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly sealer: CookieSealer,
  ) {}

  save(req: RawRequest, res: RawResponse, loginState: LoginState): void {
    const secure = this.options.secureCookies;
    const existing = this.existing(req)
      .map(([name, value]) => ({
        name,
        createdAt: this.sealer.unseal<LoginState>('login-state', value)?.createdAt ?? 0,
      }))
      .sort((a, b) => b.createdAt - a.createdAt);
    for (const stale of existing.slice(MAX_LOGIN_STATES - 1)) clearCookie(res, stale.name, secure);
    setCookie(res, this.nameFor(loginState.state), this.sealer.seal('login-state', loginState), {
      secure,
      httpOnly: true,
      sameSite: 'lax', // the callback is a top-level GET navigation from Wristband
      maxAgeSeconds: LOGIN_STATE_TTL_SECONDS,
    });
  }

  /** Opens and consumes the login state of `state`; the cookie is cleared whatever the outcome. */
  take(req: RawRequest, res: RawResponse, state: string): LoginState | LoginStateFailure {
    const name = this.nameFor(state);
    const sealed = readCookies(req)[name];
    if (sealed === undefined) return 'login_state_missing';
    clearCookie(res, name, this.options.secureCookies);
    const loginState = this.sealer.unseal<LoginState>('login-state', sealed);
    if (!loginState || typeof loginState.state !== 'string') return 'login_state_invalid';
    if (Date.now() - loginState.createdAt > LOGIN_STATE_TTL_SECONDS * 1000)
      return 'login_state_invalid';
    const a = Buffer.from(loginState.state);
    const b = Buffer.from(state);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'state_mismatch';
    return loginState;
  }

  /**
   * Remembers the return URL (already validated) of a login that first goes to Wristband's application
   * login page to find the tenant, which sends the browser back with `tenant_name` only. Without one,
   * a URL remembered by an earlier, abandoned login is forgotten.
   */
  rememberReturnUrl(req: RawRequest, res: RawResponse, returnUrl: string | undefined): void {
    const name = this.returnUrlCookieName();
    if (returnUrl === undefined) {
      if (readCookie(req, name) !== undefined) clearCookie(res, name, this.options.secureCookies);
      return;
    }
    const pending: PendingReturnUrl = { kind: 'return-url', returnUrl, createdAt: Date.now() };
    setCookie(res, name, this.sealer.seal('login-state', pending), {
      secure: this.options.secureCookies,
      httpOnly: true,
      sameSite: 'lax', // the way back from Wristband's login page is a top-level GET navigation
      maxAgeSeconds: RETURN_URL_TTL_SECONDS,
    });
  }

  /** The return URL remembered by `rememberReturnUrl`, if still fresh; the cookie is cleared either way. */
  takeReturnUrl(req: RawRequest, res: RawResponse): string | undefined {
    const name = this.returnUrlCookieName();
    const sealed = readCookie(req, name);
    if (sealed === undefined) return undefined;
    clearCookie(res, name, this.options.secureCookies);
    const pending = this.sealer.unseal<PendingReturnUrl>('login-state', sealed);
    if (
      pending?.kind !== 'return-url' ||
      typeof pending.returnUrl !== 'string' ||
      typeof pending.createdAt !== 'number'
    )
      return undefined;
    if (Date.now() - pending.createdAt > RETURN_URL_TTL_SECONDS * 1000) return undefined;
    return pending.returnUrl;
  }

  private returnUrlCookieName(): string {
    return cookieName(this.options.login.returnUrlCookieName, this.options.secureCookies);
  }

  private nameFor(state: string): string {
    // State is base64url, so its prefix is a valid cookie-name token.
    return cookieName(
      `${this.options.login.stateCookiePrefix}${state.slice(0, 22)}`,
      this.options.secureCookies,
    );
  }

  private existing(req: RawRequest): [string, string][] {
    const prefix = cookieName(this.options.login.stateCookiePrefix, this.options.secureCookies);
    return Object.entries(readCookies(req)).filter(
      (e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined,
    );
  }
}
