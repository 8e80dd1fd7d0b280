import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { ClientSecretSource } from './client-secret.source.js';
import { WristbandRequestError, WristbandUnavailableError } from './errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';
import { TransientFailure, parseRetryAfter, withRetries } from './tokens/retry-policy.js';
import { InjectWristbandOptions } from './decorators/inject-wristband-options.decorator.js';

/**
 * Wristband's token endpoint response (RFC 6749 §5.1), normalised: `expires_in` is always a number of
 * seconds here, whatever form the answer gave it in (see `expiresInSeconds`).
 */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

const TOKEN_PATH = '/api/v1/oauth2/token';

/**
 * Lifetime assumed, in seconds, for an access token whose answer has no `expires_in` and that is not a
 * JWT with an `exp` claim: short, so a token that lives less is refreshed soon after it expires.
 */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;

/** A string `expires_in`: decimal digits only ("1800"; not "1e3", "1800.5", " 1800" or "-5"). */
const DIGITS = /^[0-9]{1,12}$/;

/**
 * Refresh tokens that came in a 200 token answer refused for something else (no access token, an
 * unusable `expires_in`), by the error refusing it. Wristband may have rotated the refresh token with
 * that answer, so the caller must keep it (`rotatedRefreshToken`). Kept beside the error rather than on
 * it, so logging the error never shows the token.
 */
const rotatedRefreshTokens = new WeakMap<object, string>();

/** The refresh token a refused 200 token answer carried, if any: see `rotatedRefreshTokens`. */
export function rotatedRefreshToken(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? rotatedRefreshTokens.get(err) : undefined;
}

/** Connection failures that prove the request never left this process: repeating it is always safe. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The only code that calls Wristband. Every call has a timeout, follows no redirects and
 * authenticates the client with HTTP Basic (client_secret_basic, RFC 6749 §2.3.1). A call Wristband
 * answers with `invalid_client` is sent once more when the secret file holds a new secret (rotation).
 */
@Injectable()
export class WristbandApiClient implements OnApplicationShutdown {
  private readonly logger = new Logger('Wristband');
  private readonly secrets: ClientSecretSource;
  /** Refresh requests sent and not answered yet, by the refresh token they present. */
  private readonly unanswered = new Map<string, Promise<TokenResponse>>();
  /** Ends refresh requests still waiting for a late answer when the app shuts down. */
  private readonly shutdown = new AbortController();

  constructor(@InjectWristbandOptions() private readonly options: ResolvedWristbandOptions) {
    this.secrets = new ClientSecretSource(
      options.clientSecret,
      options.clientSecretFile,
      this.logger,
    );
  }

  get jwksUrl(): URL {
    return new URL(`${this.options.wristbandBaseUrl}/api/v1/oauth2/jwks`);
  }

  /**
   * Code exchange: one attempt only, since a code is single-use and a retry could burn the grant (the one
   * exception, `invalid_client` with a rotated secret, never reached the code: see `sendAsClient`).
   */
  async exchangeCode(code: string, codeVerifier: string): Promise<TokenResponse> {
    try {
      return await this.tokenRequest(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: this.options.callbackUrl,
          code_verifier: codeVerifier,
        },
        AbortSignal.timeout(this.options.tokens.requestTimeoutMs),
      );
    } catch (err) {
      throw this.finalError(err, 'code exchange');
    }
  }

  /**
   * Refresh grant. Retried only when Wristband surely did not process the attempt (it answered 5xx or
   * 429, or no connection was made): with refresh-token rotation, repeating an attempt Wristband may
   * have processed presents a spent refresh token, which ends the whole grant. So an unanswered attempt
   * is waited for until the budget runs out and is never sent twice: a later call with the same refresh
   * token waits for the same answer, and `pendingAnswer` hands over one that comes after the caller gave
   * up, so tokens Wristband issued are not lost.
   */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const t = this.options.tokens;
    try {
      return await withRetries(
        {
          maxAttempts: t.refreshMaxAttempts,
          budgetMs: t.refreshBudgetMs,
          baseDelayMs: t.retryBaseDelayMs,
          idempotent: false,
        },
        (remainingMs) => withDeadline(this.refreshRequest(refreshToken), Math.max(1, remainingMs)),
      );
    } catch (err) {
      throw this.finalError(err, 'token refresh');
    }
  }

  /**
   * The answer to a refresh request with this token that is still open (its caller stopped waiting),
   * or `undefined`. It stays open for a while after its caller gave up, so this answer can still come.
   */
  pendingAnswer(refreshToken: string): Promise<TokenResponse> | undefined {
    return this.unanswered.get(refreshToken);
  }

  onApplicationShutdown(): void {
    this.shutdown.abort();
  }

  private refreshRequest(refreshToken: string): Promise<TokenResponse> {
    const pending = this.unanswered.get(refreshToken);
    if (pending) return pending;
    // Open for the whole budget and one request timeout more: an answer in that time is kept even if
    // its caller has gone on; after it, the request is abandoned and the refresh token may be sent again.
    const { refreshBudgetMs, requestTimeoutMs } = this.options.tokens;
    const sent = this.tokenRequest(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      AbortSignal.any([
        this.shutdown.signal,
        AbortSignal.timeout(refreshBudgetMs + requestTimeoutMs),
      ]),
    );
    this.unanswered.set(refreshToken, sent);
    const settled = () => {
      if (this.unanswered.get(refreshToken) === sent) this.unanswered.delete(refreshToken);
    };
    sent.then(settled, settled);
    return sent;
  }

  async userinfo(accessToken: string): Promise<Record<string, unknown>> {
    try {
      const res = await this.send('/api/v1/oauth2/userinfo', {
        method: 'GET',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      });
      if (!res.ok) throw await this.failure(res, 'userinfo');
      // Not JSON (an HTML error page from a proxy, say) is as invalid as JSON of the wrong shape.
      const body: unknown = await res.json().catch(() => undefined);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new WristbandRequestError(
          'userinfo_invalid',
          'Userinfo response is not a JSON object',
        );
      }
      return body as Record<string, unknown>;
    } catch (err) {
      throw this.finalError(err, 'userinfo');
    }
  }

  /** Revokes a token (RFC 7009). Failures are reported to the caller, who decides whether they matter. */
  async revoke(token: string): Promise<void> {
    try {
      const res = await this.sendAsClient(
        '/api/v1/oauth2/revoke',
        (authorization) => ({
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }).toString(),
        }),
        AbortSignal.timeout(this.options.tokens.requestTimeoutMs),
      );
      if (!res.ok) throw await this.failure(res, 'token');
    } catch (err) {
      throw this.finalError(err, 'revocation');
    }
  }

  private async tokenRequest(
    form: Record<string, string>,
    signal: AbortSignal,
  ): Promise<TokenResponse> {
    const res = await this.sendAsClient(
      TOKEN_PATH,
      (authorization) => ({
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
      }),
      signal,
    );
    if (!res.ok) throw await this.failure(res, 'token');
    const body: unknown = await res.json().catch(() => undefined);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new WristbandRequestError(
        'token_request_failed',
        'Token response is not a JSON object',
      );
    }
    const answer = body as Record<string, unknown>;
    const refused = (message: string) => {
      const err = new WristbandRequestError('token_request_failed', message);
      const refreshToken = answer.refresh_token;
      if (typeof refreshToken === 'string' && refreshToken !== '') {
        rotatedRefreshTokens.set(err, refreshToken);
      }
      return err;
    };
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw refused('Token response lacks access_token');
    }
    const expiresIn = expiresInSeconds(answer.expires_in, answer.access_token);
    if (expiresIn === undefined) {
      throw refused(
        'Token response has an unusable expires_in (expected a positive number of seconds, as a JSON number or a string of digits)',
      );
    }
    return { ...answer, expires_in: expiresIn } as unknown as TokenResponse;
  }

  /**
   * A call that authenticates the client. When Wristband answers `invalid_client` and the secret file
   * now holds another secret, the call is sent once more with it: Wristband checks the client before
   * anything else, so the rejected call used up no code or refresh token.
   */
  private async sendAsClient(
    path: string,
    init: (authorization: string) => RequestInit,
    signal: AbortSignal,
  ): Promise<Response> {
    const secret = this.secrets.secret;
    const res = await this.send(
      path,
      init(basicAuthorization(this.options.clientId, secret)),
      signal,
    );
    if (!this.secrets.reloadable || !(await isInvalidClient(res))) return res;
    const replacement = await this.secrets.replacementFor(secret);
    if (replacement === undefined) return res;
    await res.body?.cancel().catch(() => undefined);
    return this.send(path, init(basicAuthorization(this.options.clientId, replacement)), signal);
  }

  private async send(
    path: string,
    init: RequestInit,
    signal: AbortSignal = AbortSignal.timeout(this.options.tokens.requestTimeoutMs),
  ): Promise<Response> {
    try {
      return await this.options.fetch(`${this.options.wristbandBaseUrl}${path}`, {
        ...init,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      const reason =
        name === 'TimeoutError' ? 'timed out' : name === 'AbortError' ? 'aborted' : 'network error';
      const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      const maybeProcessed = !(typeof code === 'string' && NOT_SENT.has(code));
      throw new TransientFailure(`Wristband ${path}: ${reason}`, undefined, {
        cause: err,
        maybeProcessed,
      });
    }
  }

  /**
   * Turns a non-2xx response into a transient or final error. Never includes the request body. A
   * refusal of a token-endpoint call (token, revocation) is `invalid_grant` or `token_request_failed`;
   * one of userinfo is `userinfo_failed`, whatever OAuth error it names (its `invalid_token` is about the
   * access token just issued, not about a grant a new login could fix).
   */
  private async failure(res: Response, endpoint: 'token' | 'userinfo'): Promise<Error> {
    if (res.status >= 500 || res.status === 429) {
      await res.body?.cancel().catch(() => undefined);
      return new TransientFailure(
        `Wristband answered ${res.status}`,
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    const body = (await res.json().catch(() => ({}))) as { error?: unknown } | null;
    const oauthError = typeof body?.error === 'string' ? body.error.slice(0, 64) : undefined;
    const code =
      endpoint === 'userinfo'
        ? 'userinfo_failed'
        : oauthError === 'invalid_grant'
          ? 'invalid_grant'
          : 'token_request_failed';
    return new WristbandRequestError(
      code,
      `Wristband answered ${res.status}${oauthError ? ` (${oauthError})` : ''}`,
      oauthError,
      res.status,
    );
  }

  private finalError(err: unknown, what: string): Error {
    if (err instanceof TransientFailure) {
      this.logger.warn(`Wristband ${what} failed: ${err.message}`);
      return new WristbandUnavailableError(`Wristband ${what} failed: ${err.message}`, {
        cause: err,
      });
    }
    if (err instanceof WristbandRequestError && err.code !== 'invalid_grant') {
      // Misconfiguration (e.g. invalid_client) pages someone; the message carries no secret.
      this.logger.error(`Wristband ${what} rejected: ${err.message}`);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * An answer's `expires_in` in whole seconds, or `undefined` when it is unusable. RFC 6749 §5.1 only
 * recommends the field, and servers send it as a JSON number or as a string of digits: both are taken
 * (a number's fraction is dropped). It must come to at least 1 second and at most a year: "1e3",
 * "1800.5", " 1800", "" and "-5" (strings must be digits only), 0, negatives, NaN, huge values and
 * other types are refused. Absent (or `null`): the access token's own `exp` claim when it is a JWT
 * whose `exp` is ahead, by at most a year (read without checking the signature: it only schedules the
 * next refresh, and the token came over TLS from the token endpoint in answer to our authenticated
 * request); else `DEFAULT_EXPIRES_IN_SECONDS` (an opaque token, no `exp`, or an `exp` already past by
 * our clock).
 */
export function expiresInSeconds(
  expiresIn: unknown,
  accessToken: string,
  now = Date.now(),
): number | undefined {
  if (expiresIn === undefined || expiresIn === null) {
    return lifetimeFromExp(accessToken, now) ?? DEFAULT_EXPIRES_IN_SECONDS;
  }
  const seconds =
    typeof expiresIn === 'number'
      ? expiresIn
      : typeof expiresIn === 'string' && DIGITS.test(expiresIn)
        ? Number(expiresIn)
        : NaN;
  return wholeSeconds(seconds);
}

/** Longest access-token lifetime taken from an answer, in seconds: a year. */
const MAX_EXPIRES_IN_SECONDS = 366 * 24 * 3600;

/** `seconds` rounded down, when that is between 1 s and a year. */
function wholeSeconds(seconds: number): number | undefined {
  const whole = Math.floor(seconds);
  return whole >= 1 && whole <= MAX_EXPIRES_IN_SECONDS ? whole : undefined;
}

/** Whole seconds from `now` to the access token's `exp`, when it is a JWT with a numeric `exp` ahead. */
function lifetimeFromExp(accessToken: string, now: number): number | undefined {
  let exp: unknown;
  try {
    exp = decodeJwt(accessToken).exp;
  } catch {
    return undefined; // Opaque (not a JWT).
  }
  return typeof exp === 'number' ? wholeSeconds(exp - now / 1000) : undefined;
}

/** client_secret_basic: RFC 6749 §2.3.1 form-urlencodes both parts before base64. */
function basicAuthorization(clientId: string, secret: string): string {
  const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** RFC 6749 §5.2: `invalid_client`, with 401 (Basic) or 400; read from a copy, the body stays unread. */
async function isInvalidClient(res: Response): Promise<boolean> {
  if (res.status !== 401 && res.status !== 400) return false;
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { error?: unknown } | undefined;
  return body?.error === 'invalid_client';
}

/** `answer`, or a `TransientFailure` once `waitMs` pass without it (the request itself goes on). */
function withDeadline<T>(answer: Promise<T>, waitMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new TransientFailure(`Wristband ${TOKEN_PATH}: no answer within ${waitMs} ms`, undefined, {
          maybeProcessed: true,
        }),
      );
    }, waitMs);
    answer.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
