/** Wristband's claims: what userinfo and ID tokens say about a user, and the shape of access tokens. */
import type { EmulatorContext } from './context.js';
import { IDP_NAME, type SeedUser } from './seed.js';

export const PROFILE_CLAIMS = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'picture',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'updated_at',
];

/** JSON.stringify drops a property whose toJSON returns undefined: oidc-provider insists on a truthy
 *  `aud` in JWT access tokens, Wristband access tokens have none. */
const NO_AUD = Object.freeze({ toJSON: () => undefined });

/** Wristband claims of a user for the given scopes ('userinfo' or 'id_token' use). */
export function userClaims(
  ctx: EmulatorContext,
  u: SeedUser,
  scopes: Set<string>,
  use: string,
): Record<string, unknown> {
  const { application } = ctx.directory;
  const tenant = ctx.directory.tenant(u.tenant);
  const c: Record<string, unknown> = {
    sub: u.id,
    tnt_id: tenant.id,
    app_id: application.id,
    idp_name: IDP_NAME,
  };
  if (use === 'id_token') {
    if (scopes.has('email')) Object.assign(c, { email: u.email, email_verified: u.emailVerified });
    return c;
  }
  Object.assign(c, { tnt_name: tenant.name, app_name: application.name });
  if (scopes.has('profile')) {
    Object.assign(c, {
      name: u.name,
      given_name: u.givenName,
      family_name: u.familyName,
      middle_name: null,
      nickname: null,
      preferred_username: u.preferredUsername,
      picture: null,
      gender: null,
      birthdate: null,
      zoneinfo: u.zoneinfo,
      locale: u.locale,
      updated_at: u.updatedAt,
    });
  }
  if (scopes.has('email')) Object.assign(c, { email: u.email, email_verified: u.emailVerified });
  if (scopes.has('phone'))
    Object.assign(c, {
      phone_number: u.phoneNumber ?? null,
      phone_number_verified: u.phoneNumber ? true : null,
    });
  if (scopes.has('roles')) c.roles = u.roles.map((r) => ({ ...r }));
  if (u.customClaims) c.custom_claims = { ...u.customClaims };
  return c;
}

/** What oidc-provider tells the JWT customizer about the token and the code or refresh token behind it. */
export interface IssuedAccessToken {
  accountId?: string;
  grantId?: string;
  source?: { kind?: string; jti?: string; amr?: string[]; authTime?: number };
}

/**
 * Turns oidc-provider's JWT access token into Wristband's: its claims, no `aud`, `typ: at+JWT`,
 * `offline_access` listed when the grant is offline. Records the jti (userinfo looks it up).
 */
export function shapeAccessToken(
  ctx: EmulatorContext,
  token: IssuedAccessToken,
  jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> },
): void {
  const p = jwt.payload;
  const { application } = ctx.directory;
  const user = ctx.directory.findUser(String(token.accountId ?? ''));
  const src = token.source;
  if (user && user.id === token.accountId) {
    Object.assign(p, {
      sub_kind: 'user',
      tnt_id: ctx.directory.tenant(user.tenant).id,
      app_id: application.id,
      idp_name: IDP_NAME,
      van_dom: ctx.vanityDomain,
      amr: src?.amr ?? ['pwd'],
      auth_time: src?.authTime,
    });
    if (user.customClaims) p.custom_claims = { ...user.customClaims };
    if (ctx.settings.accessTokenRoles) p.roles = user.roles.map((r) => ({ ...r }));
  } else {
    Object.assign(p, { sub_kind: 'client', app_id: application.id, van_dom: ctx.vanityDomain });
  }
  p.aud = NO_AUD;
  const offline =
    src?.kind === 'RefreshToken' ||
    (src?.kind === 'AuthorizationCode' &&
      src.jti !== undefined &&
      ctx.ledger.offlineCodes.has(src.jti));
  if (offline) p.scope = withOfflineAccess(p.scope);
  delete p.authorization_details;
  jwt.header = { typ: 'at+JWT' };
  ctx.ledger.issued.set(String(p.jti), { grantId: token.grantId, exp: Number(p.exp) });
}

export function withOfflineAccess(scope: unknown): string {
  const scopes = (typeof scope === 'string' ? scope : '').split(' ').filter(Boolean);
  return scopes.includes('offline_access')
    ? scopes.join(' ')
    : [...scopes, 'offline_access'].join(' ');
}
