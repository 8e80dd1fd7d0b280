import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, customFetch } from 'jose';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';

/**
 * Wristband's signing keys, fetched from `{vanity}/api/v1/oauth2/jwks` by jose's remote key set:
 * cached, one fetch in flight, a timeout, and a cooldown so a flood of unknown `kid`s cannot cause
 * a fetch storm. Shared by ID-token and bearer-token verification.
 */
@Injectable()
export class WristbandJwks {
  readonly getKey: ReturnType<typeof createRemoteJWKSet>;

  constructor(@InjectWristbandOptions() options: ResolvedWristbandOptions) {
    this.getKey = createRemoteJWKSet(new URL(`${options.wristbandBaseUrl}/api/v1/oauth2/jwks`), {
      timeoutDuration: options.tokens.requestTimeoutMs,
      cooldownDuration: options.bearer.jwksCooldownMs,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: options.fetch,
    });
  }
}
