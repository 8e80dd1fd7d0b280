import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import {
  LOGIN_STATE_COOKIE_PREFIX,
  LOGIN_STATE_TTL_SECONDS,
  MAX_LOGIN_STATES,
} from '../wristband.constants.js';
import {
  clearCookie,
  cookieName,
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
      .map(([name, value]) => ({ name, createdAt: this.sealer.unseal<LoginState>('login-state', value)?.createdAt ?? 0 }))
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
    if (Date.now() - loginState.createdAt > LOGIN_STATE_TTL_SECONDS * 1000) return 'login_state_invalid';
    const a = Buffer.from(loginState.state);
    const b = Buffer.from(state);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'state_mismatch';
    return loginState;
  }

  private nameFor(state: string): string {
    // State is base64url, so its prefix is a valid cookie-name token.
    return cookieName(`${LOGIN_STATE_COOKIE_PREFIX}${state.slice(0, 22)}`, this.options.secureCookies);
  }

  private existing(req: RawRequest): [string, string][] {
    const prefix = cookieName(LOGIN_STATE_COOKIE_PREFIX, this.options.secureCookies);
    return Object.entries(readCookies(req)).filter(
      (e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined,
    );
  }
}
