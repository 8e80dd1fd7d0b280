import type { AuthStrategyName } from './wristband-module-options.interface.js';

/** Options after validation, with every default applied. Internal. */
export interface ResolvedWristbandOptions {
  applicationVanityDomain: string;
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
  loginUrl: string;
  scopes: string[];
  isApplicationCustomDomainActive: boolean;
  dangerouslyAllowHttp: boolean;
  sessionSecrets: string[];
  allowedTenantCustomDomains: string[];
  defaultReturnPath: string;
  postLogoutRedirectUrl?: string;
  /** `https://{vanity}` (or `http://` with the dangerous flag): base of every server-to-server call. */
  wristbandBaseUrl: string;
  /** Expected `iss` of every Wristband token. */
  issuer: string;
  /** Origin of `callbackUrl`: the only origin return URLs may point at. */
  appOrigin: string;
  /** Cookies are `Secure` and `__Host-` prefixed: always, except with `dangerouslyAllowHttp`. */
  secureCookies: boolean;
  session: { idleTimeoutSeconds: number; absoluteTimeoutSeconds: number; cookieName: string };
  tokens: {
    expiryBufferSeconds: number;
    requestTimeoutMs: number;
    refreshMaxAttempts: number;
    refreshBudgetMs: number;
    retryBaseDelayMs: number;
  };
  authStrategies: AuthStrategyName[];
  bearer: {
    /** From `allowedClientIds` or the deprecated `expectedClientId`; undefined: any client. */
    allowedClientIds?: readonly string[];
    expectedAppId?: string;
    clockToleranceSeconds: number;
    cacheMaxEntries: number;
    jwksCooldownMs: number;
  };
  redisUrl?: string;
  fetch: typeof fetch;
}
