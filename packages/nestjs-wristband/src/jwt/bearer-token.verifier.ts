import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import {
  AuthenticationRequiredError,
  WristbandUnavailableError,
} from '../errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { copyUser, readOnly, rolesFromClaims } from '../wristband-user.factory.js';
import { WristbandJwks } from './wristband-jwks.js';
import {
  detachedString,
  heapBytes,
  LRU_ENTRY_BYTES,
  shareStrings,
  stringBytes,
} from '../cache-entry-size.js';

const MAX_TOKEN_LENGTH = 8192;

/** Claims only an ID token carries (OpenID Connect Core 2 and 3.3.2.11); Wristband access tokens have none. */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/**
 * Verifies Wristband access tokens sent as `Authorization: Bearer`: RS256 only, exact `iss`, `exp`
 * required, small clock tolerance, an access token and not an ID token, optional `client_id` / `app_id`
 * pinning. Verified tokens are cached (bounded LRU) until they expire, so a busy API verifies each
 * token's signature once.
 */
@Injectable()
export class BearerTokenVerifier {
  /**
   * Keyed by the signature's last 43 characters (cheap to hash); a hit counts only when the whole token
   * matches. Bounded in entries and in bytes (`cache-entry-size.ts`).
   */
  private readonly cache: LRUCache<string, VerifiedToken>;

  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly jwks: WristbandJwks,
  ) {
    this.cache = new LRUCache({
      max: options.bearer.cacheMaxEntries,
      maxSize: options.bearer.cacheMaxBytes,
      sizeCalculation: verifiedTokenBytes,
      ttlAutopurge: false,
    });
  }

  /**
   * The user of a token verified before and not yet expired, without any await (the guard's fast path).
   * Each request gets its own user object; the roles and claims inside are shared and read-only.
   */
  cached(token: string): WristbandUser | undefined {
    const hit = this.cache.get(token.slice(-43));
    return hit && hit.token === token ? copyUser(hit.user) : undefined;
  }

  async verify(token: string): Promise<WristbandUser> {
    const known = this.cached(token);
    if (known) return known;
    if (!token) throw invalid('malformed token');
    if (token.length > MAX_TOKEN_LENGTH)
      throw invalid(`token longer than ${MAX_TOKEN_LENGTH} characters`);
    try {
      const typ = decodeProtectedHeader(token).typ;
      // An ID token or any other JWT of Wristband's is not an access token.
      if (typ !== undefined && typ.toLowerCase().replace(/^application\//, '') !== 'at+jwt')
        throw invalid('not an access token');
    } catch (err) {
      if (err instanceof AuthenticationRequiredError) throw err;
      throw invalid('malformed token');
    }
    const { bearer, issuer } = this.options;
    const check = async () =>
      (
        await jwtVerify(token, this.jwks.getKey, {
          algorithms: ['RS256'],
          issuer,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: bearer.clockToleranceSeconds,
        })
      ).payload;
    let payload: JWTPayload;
    try {
      try {
        payload = await check();
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
        // A `kid` not in the keys fetched within the cooldown: a key Wristband has just rotated in, or one
        // the sender made up. One forced fetch per 5 s at most for all bearer tokens (shared while in
        // flight), so a flood of made-up `kid`s costs Wristband one call per 5 s, not one per token.
        await this.jwks.reloadForUnknownKid('bearer');
        payload = await check();
      }
    } catch (err) {
      if (
        err instanceof errors.JWKSTimeout ||
        (err instanceof TypeError && !(err instanceof errors.JOSEError))
      ) {
        throw new WristbandUnavailableError('Could not fetch Wristband signing keys', {
          cause: err,
        });
      }
      throw invalid(err instanceof errors.JOSEError ? describe(err) : 'invalid token');
    }
    // Wristband signs ID tokens with the same keys and without `typ`: an access token is told apart by its
    // `client_id` (every Wristband access token has one, ID tokens name the client in `aud` instead) and by
    // the absence of ID-token-only claims. (`auth_time` is no sign: Wristband access tokens carry it too.)
    if (ID_TOKEN_CLAIMS.some((claim) => claim in payload)) throw invalid('not an access token');
    const clientId = payload.client_id;
    if (typeof clientId !== 'string' || clientId === '') throw invalid('not an access token');
    if (bearer.allowedClientIds !== undefined && !bearer.allowedClientIds.includes(clientId))
      throw invalid('client not allowed');
    if (bearer.expectedAppId !== undefined && payload.app_id !== bearer.expectedAppId)
      throw invalid('unexpected app_id');
    if (typeof payload.tnt_id !== 'string' || typeof payload.sub !== 'string')
      throw invalid('missing tnt_id or sub');

    const user: WristbandUser = {
      userId: payload.sub,
      tenantId: payload.tnt_id,
      tenantName: typeof payload.tnt_name === 'string' ? payload.tnt_name : undefined,
      identityProviderName: typeof payload.idp_name === 'string' ? payload.idp_name : undefined,
      email: typeof payload.email === 'string' ? payload.email : undefined,
      roles: rolesFromClaims(payload),
      subKind: payload.sub_kind === 'client' ? 'client' : 'user',
      authenticatedBy: 'bearer',
      clientId,
      claims: payload,
    };
    const ttl = payload.exp! * 1000 - Date.now();
    if (ttl > 0) {
      // Detached: cut from the Authorization header, the token would keep the whole header alive.
      const kept = detachedString(token);
      this.cache.set(kept.slice(-43), { token: kept, user: readOnly(shareStrings(user)) }, { ttl });
    }
    return copyUser(user);
  }
}

interface VerifiedToken {
  token: string;
  user: WristbandUser;
}

/** Upper estimate of an entry's heap bytes: the token, its user and claims, the cache's own slots. */
export function verifiedTokenBytes(entry: VerifiedToken): number {
  return LRU_ENTRY_BYTES + stringBytes(entry.token) + heapBytes(entry.user);
}

function invalid(reason: string): AuthenticationRequiredError {
  return new AuthenticationRequiredError(
    'invalid_token',
    `Bearer token rejected: ${reason}`,
    'bearer',
  );
}

function describe(err: InstanceType<typeof errors.JOSEError>): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim "${err.claim}" invalid`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  return 'malformed token';
}
