/**
 * Access tokens minted with the emulator's keys, without a login: Wristband-shaped by default, and
 * bent at will (claims, algorithm, key, kid, lifetime) to test what a verifier refuses.
 */
import * as crypto from 'node:crypto';
import * as jose from 'jose';
import type { EmulatorContext } from './context.js';
import { WristbandEmulatorError } from './emulator.error.js';
import { epoch, randomId } from './http.js';
import { IDP_NAME } from './seed.js';

export interface MintOptions {
  /** Claims added to (or replacing) the defaults; `sub_kind: 'client'` mints a machine token. */
  claims?: Record<string, unknown>;
  /** Claims removed from the result. */
  omit?: string[];
  /** Default RS256. `none` and `ES256` give tokens a Wristband verifier must refuse. */
  alg?: 'RS256' | 'HS256' | 'none' | 'ES256';
  /** `current` (default) signs with the served key; `foreign` with a key never served;
   *  `public-key-as-hmac` (HS256) with the served public key's PEM as the HMAC secret. */
  key?: 'current' | 'foreign' | 'public-key-as-hmac';
  /** Header kid (default: the current key's). */
  kid?: string;
  /** Default: the emulator's access token lifetime. */
  expiresInSeconds?: number;
  /** The user (email or id) of a user token; default alice@acme.test, or the first user without her. */
  user?: string;
}

/** The jti of a minted token is recorded, so userinfo accepts it like an issued one. */
export async function mintAccessToken(ctx: EmulatorContext, o: MintOptions = {}): Promise<string> {
  const now = epoch();
  const { directory } = ctx;
  const client = ctx.clients[0];
  const user = o.user
    ? directory.user(o.user)
    : (directory.findUser('alice@acme.test') ?? directory.users[0]);
  const tenant = user ? directory.tenant(user.tenant) : directory.tenants[0];
  const isClient = o.claims?.sub_kind === 'client';
  if (!user && !isClient)
    throw new WristbandEmulatorError('not_found', 'emulator: no user to mint a user token for');
  const common = {
    iss: ctx.issuer,
    client_id: client.clientId,
    tnt_id: tenant.id,
    app_id: directory.application.id,
    van_dom: ctx.vanityDomain,
    iat: now,
    exp: now + (o.expiresInSeconds ?? ctx.settings.accessTokenTtl),
    jti: randomId(),
  };
  const base: Record<string, unknown> =
    isClient || !user
      ? { ...common, sub: client.clientId, sub_kind: 'client', scope: '' }
      : {
          ...common,
          sub: user.id,
          sub_kind: 'user',
          idp_name: IDP_NAME,
          scope: 'openid offline_access email profile roles',
          amr: ['pwd'],
          auth_time: now,
        };
  if (!isClient && user && ctx.settings.accessTokenRoles) base.roles = user.roles;
  const payload: Record<string, unknown> = { ...base, ...(o.claims ?? {}) };
  for (const k of o.omit ?? []) delete payload[k];
  if (typeof payload.jti === 'string') ctx.ledger.minted.add(payload.jti);

  const alg = o.alg ?? 'RS256';
  const keyMode = o.key ?? 'current';
  const body = Buffer.from(JSON.stringify(payload));
  if (alg === 'none') {
    const header = { alg: 'none', typ: 'at+JWT', ...(o.kid ? { kid: o.kid } : {}) };
    return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${body.toString('base64url')}.`;
  }
  const header = { alg, typ: 'at+JWT', kid: o.kid ?? ctx.keys.current.kid };
  let key: crypto.KeyObject | Uint8Array;
  if (alg === 'RS256') {
    if (keyMode === 'current') key = ctx.keys.current.privateKey;
    else if (keyMode === 'foreign') key = (await ctx.keys.foreignRsaKey()).privateKey;
    else
      throw new WristbandEmulatorError(
        'invalid_option',
        'emulator: key "public-key-as-hmac" needs alg HS256',
      );
  } else if (alg === 'HS256') {
    if (keyMode === 'public-key-as-hmac')
      key = Buffer.from(
        ctx.keys.current.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      );
    else if (keyMode === 'current') key = Buffer.from(client.clientSecret);
    else key = crypto.randomBytes(32);
  } else if (alg === 'ES256') {
    key = await ctx.keys.foreignEcKey();
  } else {
    throw new WristbandEmulatorError('invalid_option', `emulator: unsupported alg ${String(alg)}`);
  }
  return new jose.CompactSign(body).setProtectedHeader(header).sign(key);
}
