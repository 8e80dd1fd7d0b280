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
 * exact `iss`, `aud` = our client id, `exp`, and the login's `nonce`. The official SDK skips all of this.
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
      ({ payload } = await jwtVerify(idToken, this.jwks.getKey, {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        audience: this.options.clientId,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: this.options.bearer.clockToleranceSeconds,
      }));
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
    if (payload.azp !== undefined && payload.azp !== this.options.clientId) {
      throw new TokenValidationError('id_token_invalid', 'ID token azp is not this client');
    }
    return payload as IdTokenClaims;
  }
}

/**
 * Whether `verify` failed because the token could not be checked now (signing keys unreachable, or its
 * key not in the key set fetched within the cooldown, as right after Wristband rotates keys), rather
 * than because it was checked and found wrong.
 */
export function isUnverifiableNow(err: unknown): boolean {
  return (
    err instanceof WristbandUnavailableError ||
    (err instanceof TokenValidationError && err.cause instanceof errors.JWKSNoMatchingKey)
  );
}
