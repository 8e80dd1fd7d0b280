// Just over 300 lines: the two legs of one Passport strategy (start a login, complete it) share its state
// handling, and splitting them would spread one flow over two files.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Passport, type PassportStatic } from 'passport';
import { createHash, randomBytes } from 'node:crypto';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { InjectWristbandOptions } from './decorators/inject-wristband-options.decorator.js';
import {
  AccessDeniedError,
  InvalidRequestError,
  LoginRestartError,
  WristbandError,
  WristbandRequestError,
} from './errors/wristband.errors.js';
import {
  queryParam,
  queryParamMalformed,
  type RawRequest,
  type RawResponse,
} from './http/http-exchange.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import { IdTokenVerifier, type IdTokenClaims } from './jwt/id-token.verifier.js';
import { LoginStateStore, type LoginState } from './session/login-state.store.js';
import { AuthEventRecorder, type EventRequest } from './events/auth-event.recorder.js';
import type { NewSession } from './session/session.service.js';
import { WristbandApiClient, type TokenResponse } from './wristband-api.client.js';
import { isSafeRelativePath } from './wristband-options.validator.js';
import { rolesFromClaims, withoutNullClaims } from './wristband-user.factory.js';
import {
  allowedTenantCustomDomain,
  applicationLoginPageUrl,
  authorizeUrl,
  normalizeTenantName,
} from './wristband-urls.js';

/** What a successful callback hands to the auth controller. */
export interface WristbandLoginResult {
  session: NewSession;
  returnUrl?: string;
}

/** Context passed from the callback leg to `validate()` alongside the token response. */
interface CallbackParams extends TokenResponse {
  idTokenClaims: IdTokenClaims;
  loginState: LoginState;
}

const RESTARTED_SUFFIX = '.r';
const MAX_STATE_LENGTH = 512;

/**
 * Passport strategy `wristband` (passport-oauth2 underneath, configured with the client credentials and
 * callback URL). Wristband specifics live here: the authorize host depends on the tenant, PKCE S256,
 * state and nonce live in sealed per-attempt cookies, state is checked before anything else, and the
 * token exchange goes through `WristbandApiClient` (client_secret_basic, timeouts) instead of `oauth`.
 */
@Injectable()
export class WristbandStrategy extends PassportStrategy(OAuth2Strategy, 'wristband', true) {
  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly loginStates: LoginStateStore,
    private readonly api: WristbandApiClient,
    private readonly idTokens: IdTokenVerifier,
    private readonly recorder: AuthEventRecorder,
  ) {
    super({
      authorizationURL: `${options.wristbandBaseUrl}/api/v1/oauth2/authorize`,
      tokenURL: `${options.wristbandBaseUrl}/api/v1/oauth2/token`,
      clientID: options.clientId,
      clientSecret: options.clientSecret,
      callbackURL: options.callbackUrl,
      scope: options.scopes,
      skipUserProfile: true,
    });
  }

  /**
   * A Passport of its own: `PassportStrategy` registers the strategy by name in the instance returned
   * here, and a process-wide registration would let the last Nest app created answer for every app
   * (see `wristband-login.guard.ts`, which runs this very instance).
   */
  getPassportInstance(): PassportStatic {
    return new Passport() as PassportStatic;
  }

  /** Runs the leg the guard asked for: `login` redirects to Wristband, `callback` completes the login. */
  override authenticate(
    req: RawRequest & { res?: RawResponse },
    options?: { leg?: 'login' | 'callback'; response?: RawResponse; request?: EventRequest },
  ): void {
    const res = options?.response ?? req.res!;
    if (options?.leg === 'callback') {
      this.completeLogin(req, res).then(
        (result) => this.success(result),
        (err: unknown) => {
          const tenantName = normalizeTenantName(queryParam(req, 'tenant_name'));
          this.recorder.loginFailed(options?.request ?? req, err, { tenantName });
          this.error(err);
        },
      );
    } else {
      try {
        this.redirect(this.startLogin(req, res));
      } catch (err) {
        this.error(err);
      }
    }
  }

  /** Passport's verify step: turns verified tokens and userinfo into the new session's data. */
  validate(
    accessToken: string,
    refreshToken: string | undefined,
    params: CallbackParams,
    userinfo: Record<string, unknown>,
  ): WristbandLoginResult {
    const { idTokenClaims, loginState } = params;
    const tenantName =
      typeof userinfo.tnt_name === 'string' ? userinfo.tnt_name : loginState.tenantName;
    if (tenantName !== loginState.tenantName) {
      throw new AccessDeniedError(
        'tenant_mismatch',
        'Wristband logged in a user of another tenant than requested',
      );
    }
    return {
      returnUrl: loginState.returnUrl,
      session: {
        userId: idTokenClaims.sub,
        tenantId: userinfo.tnt_id as string,
        tenantName,
        tenantCustomDomain: loginState.tenantCustomDomain,
        identityProviderName:
          typeof userinfo.idp_name === 'string' ? userinfo.idp_name : 'wristband',
        email: typeof userinfo.email === 'string' ? userinfo.email : undefined,
        roles: rolesFromClaims(userinfo),
        claims: withoutNullClaims(userinfo),
        accessToken,
        accessTokenExpiresAt: Date.now() + params.expires_in * 1000,
        accessTokenIssuedAt: Date.now(),
        refreshToken,
      },
    };
  }

  private startLogin(req: RawRequest, res: RawResponse): string {
    const rawTenant = queryParam(req, 'tenant_name');
    const tenantName = normalizeTenantName(rawTenant);
    // Two tenants (`tenant_name=a&tenant_name=b`, `tenant_name[]=a`) is no tenant: refused, not dropped.
    if (queryParamMalformed(req, 'tenant_name')) {
      throw new InvalidRequestError('invalid_tenant_name', 'tenant_name must be given once');
    }
    if (rawTenant !== undefined && rawTenant !== '' && tenantName === undefined) {
      throw new InvalidRequestError(
        'invalid_tenant_name',
        'tenant_name must be a DNS label (letters, digits, hyphens)',
      );
    }
    const tenantCustomDomain = allowedTenantCustomDomain(
      this.options,
      queryParam(req, 'tenant_custom_domain'),
    );
    const returnUrl = this.safeReturnUrl(queryParam(req, 'return_url'));
    // No tenant: Wristband's application login page asks for one and sends the user back here with
    // `tenant_name` only, so the return URL waits in a cookie meanwhile.
    if (!tenantName) {
      this.loginStates.rememberReturnUrl(req, res, returnUrl);
      return applicationLoginPageUrl(this.options);
    }
    const remembered = this.loginStates.takeReturnUrl(req, res);

    const restarted = queryParam(req, 'restarted') === '1';
    const state = randomBytes(32).toString('base64url') + (restarted ? RESTARTED_SUFFIX : '');
    const codeVerifier = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const loginHint = queryParam(req, 'login_hint');
    this.loginStates.save(req, res, {
      state,
      codeVerifier,
      nonce,
      tenantName,
      tenantCustomDomain,
      // One given now wins over one remembered from the tenant discovery (checked again: it came back from a cookie).
      returnUrl: returnUrl ?? this.safeReturnUrl(remembered),
      createdAt: Date.now(),
    });
    return authorizeUrl(this.options, {
      tenantName,
      tenantCustomDomain,
      state,
      nonce,
      codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      loginHint: loginHint && loginHint.length <= 256 ? loginHint : undefined,
    });
  }

  private async completeLogin(req: RawRequest, res: RawResponse): Promise<WristbandLoginResult> {
    const state = queryParam(req, 'state');
    const code = queryParam(req, 'code');
    const error = queryParam(req, 'error');
    const queryTenant = normalizeTenantName(queryParam(req, 'tenant_name'));

    // State first, before looking at `error` or `code` (passport-oauth2 does it the other way round).
    if (!state || state.length > MAX_STATE_LENGTH) {
      if (!code && !error)
        throw new InvalidRequestError('invalid_callback', 'Callback without state or code');
      throw new LoginRestartError(
        'login_state_missing',
        'Callback without state',
        queryTenant,
        undefined,
        false,
      );
    }
    const restarted = state.endsWith(RESTARTED_SUFFIX);
    const loginState = this.loginStates.take(req, res, state);
    if (typeof loginState === 'string') {
      throw new LoginRestartError(
        loginState,
        `Login state rejected (${loginState})`,
        queryTenant,
        undefined,
        restarted,
      );
    }
    try {
      return await this.finishLogin(loginState, restarted, { code, error, queryTenant });
    } catch (err) {
      // Audit events name the tenant this login was started for, not the one the callback's query claims.
      throw this.recorder.attribute(err, { tenantName: loginState.tenantName });
    }
  }

  /** The callback once its login state is known: Wristband's answer, the code exchange, the user. */
  private async finishLogin(
    loginState: LoginState,
    restarted: boolean,
    query: { code?: string; error?: string; queryTenant?: string },
  ): Promise<WristbandLoginResult> {
    const { code, error, queryTenant } = query;
    const restart = (code: 'login_required' | 'invalid_grant', message: string) =>
      new LoginRestartError(
        code,
        message,
        loginState.tenantName,
        loginState.tenantCustomDomain,
        restarted,
      );

    if (error) {
      if (error === 'login_required')
        throw restart('login_required', 'Wristband requires a new login');
      const safe = error.replace(/[^a-z_]/gi, '').slice(0, 64);
      throw new WristbandRequestError(
        'authorization_failed',
        `Wristband refused the login (${safe})`,
        safe,
      );
    }
    if (!code) throw new InvalidRequestError('invalid_callback', 'Callback without code');
    if (queryTenant !== undefined && queryTenant !== loginState.tenantName) {
      throw new AccessDeniedError(
        'tenant_mismatch',
        'Callback is for another tenant than the login',
      );
    }

    let tokens: TokenResponse;
    try {
      tokens = await this.api.exchangeCode(code, loginState.codeVerifier);
    } catch (err) {
      if (err instanceof WristbandRequestError && err.code === 'invalid_grant') {
        throw restart('invalid_grant', 'Authorization code rejected');
      }
      throw err;
    }
    if (!tokens.id_token)
      throw new WristbandRequestError('token_request_failed', 'Token response has no ID token');
    const idTokenClaims = await this.idTokens.verify(tokens.id_token, loginState.nonce);
    const userinfo = await this.api.userinfo(tokens.access_token);
    if (userinfo.sub !== idTokenClaims.sub) {
      throw new AccessDeniedError(
        'tenant_mismatch',
        'Userinfo describes another user than the ID token',
      );
    }
    if (typeof userinfo.tnt_id !== 'string' || userinfo.tnt_id !== idTokenClaims.tnt_id) {
      throw new AccessDeniedError('tenant_mismatch', 'Userinfo tnt_id does not match the ID token');
    }
    const params: CallbackParams = { ...tokens, idTokenClaims, loginState };
    return this.verifyWithPassport(tokens.access_token, tokens.refresh_token, params, userinfo);
  }

  /** Calls passport's verify callback (which runs `validate`) and adapts it to a promise. */
  private verifyWithPassport(
    accessToken: string,
    refreshToken: string | undefined,
    params: CallbackParams,
    userinfo: Record<string, unknown>,
  ): Promise<WristbandLoginResult> {
    const verify = (this as unknown as { _verify: (...args: unknown[]) => void })._verify;
    return new Promise((resolve, reject) => {
      verify(
        accessToken,
        refreshToken,
        params,
        userinfo,
        (err: unknown, result?: WristbandLoginResult) =>
          err
            ? reject(
                err instanceof WristbandError
                  ? err
                  : new WristbandRequestError('login_failed', 'Login could not be completed'),
              )
            : resolve(result!),
      );
    });
  }

  /**
   * Keeps `return_url` only when it stays on this app: a path, or an absolute URL of our own origin. What
   * is kept is the URL parser's form, percent-encoded (`/ok?q=€` → `/ok?q=%E2%82%AC`): a `Location` header
   * takes no raw non-ASCII or space. The path is checked again after parsing (`/.//evil.com` parses to
   * `//evil.com`, a redirect to another host).
   */
  private safeReturnUrl(value: string | undefined): string | undefined {
    if (!value) return undefined;
    if (!isSafeRelativePath(value) && !/^https?:\/\//i.test(value)) return undefined;
    let url: URL;
    try {
      url = new URL(value, `${this.options.appOrigin}/`);
    } catch {
      return undefined; // not a URL: dropped
    }
    const path = `${url.pathname}${url.search}${url.hash}`;
    return url.origin === this.options.appOrigin &&
      isSafeRelativePath(url.pathname) &&
      path.length <= 2048
      ? path
      : undefined;
  }
}
