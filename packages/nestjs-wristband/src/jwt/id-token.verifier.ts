import { Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import { TokenValidationError, WristbandUnavailableError } from '../errors/wristband.errors.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { WristbandJwks } from './wristband-jwks.js';

export interface IdTokenClaims extends JWTPayload {
  sub: string;
  tnt_id?: string;
  nonce?: string;
}

/**
 * Validates ID tokens (OpenID Connect Core §3.1.3.7): RS256 signature against Wristband's JWKS,
 * exact `iss`, `aud` containing our client id, `azp` = our client id when present and required when `aud`
 * names other clients too, `exp`, and the login's `nonce`. The official SDK skips all of this.
 */
@Injectable()
export class IdTokenVerifier {
  constructor(
    @InjectWristbandOptions() private readonly options: ResolvedWristbandOptions,
    private readonly jwks: WristbandJwks,
  ) {}

  /** `expectedNonce` is required at login and absent on refresh (refreshed ID tokens carry no new nonce). */
  async verify(idToken: string, expectedNonce?: string): Promise<IdTokenClaims> {
    let payload: JWTPayload;
    try {
      payload = await this.verifySigned(idToken);
    } catch (err) {
      // A timeout, a network error, or a JWKS answer that is not 200 JSON (jose's generic error): the
      // keys could not be fetched, which says nothing about the token.
      const keysUnreachable =
        err instanceof errors.JWKSTimeout ||
        (err instanceof TypeError && !(err instanceof errors.JOSEError)) ||
        (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC');
      if (keysUnreachable) {
        throw new WristbandUnavailableError('Could not fetch Wristband signing keys', {
          cause: err,
        });
      }
      const reason = err instanceof errors.JOSEError ? err.code : 'invalid';
      throw new TokenValidationError('id_token_invalid', `ID token rejected (${reason})`, {
        cause: err,
      });
    }
    if (expectedNonce !== undefined && payload.nonce !== expectedNonce) {
      throw new TokenValidationError('id_token_invalid', 'ID token nonce does not match the login');
    }
    const { clientId } = this.options;
    if (payload.azp !== undefined && payload.azp !== clientId) {
      throw new TokenValidationError('id_token_invalid', 'ID token azp is not this client');
    }
    // jose has checked that `aud` contains our client id; other audiences too would let a token issued to
    // another client pass here, unless `azp` says it was issued to us (§3.1.3.7 steps 4 and 5).
    if (Array.isArray(payload.aud) && new Set(payload.aud).size > 1 && payload.azp !== clientId) {
      throw new TokenValidationError(
        'id_token_invalid',
        'ID token has several audiences and no azp naming this client',
      );
    }
    return payload as IdTokenClaims;
  }

  /**
   * Signature and registered claims. An ID token whose `kid` is not in the cached key set, during jose's
   * refetch cooldown, gets one forced fetch of the keys and a second check: it came from Wristband's token
   * endpoint over our authenticated back channel, so an unknown `kid` means Wristband has rotated its keys,
   * not that someone is making up `kid`s. The forced fetch is bounded (`WristbandJwks.reloadForUnknownKid`).
   */
  private async verifySigned(idToken: string): Promise<JWTPayload> {
    const check = async () =>
      (
        await jwtVerify(idToken, this.jwks.getKey, {
          algorithms: ['RS256'],
          issuer: this.options.issuer,
          audience: this.options.clientId,
          requiredClaims: ['sub', 'exp', 'iat'],
          clockTolerance: this.options.bearer.clockToleranceSeconds,
        })
      ).payload;
    try {
      return await check();
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
    }
    await this.jwks.reloadForUnknownKid('id_token');
    return check();
  }
}

/**
 * Whether `verify` failed because the token could not be checked now (signing keys unreachable, or its
 * key still not in the key set after the bounded forced fetch, as when that fetch failed or another one
 * had just been made), rather than because it was checked and found wrong.
 */
export function isUnverifiableNow(err: unknown): boolean {
  return (
    err instanceof WristbandUnavailableError ||
    (err instanceof TokenValidationError && err.cause instanceof errors.JWKSNoMatchingKey)
  );
}
