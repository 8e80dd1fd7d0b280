import { Injectable, Optional } from '@nestjs/common';
import { createRemoteJWKSet, customFetch } from 'jose';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { WristbandMetrics } from '../metrics/wristband-metrics.js';

/**
 * Wristband's signing keys, fetched from `{vanity}/api/v1/oauth2/jwks` by jose's remote key set:
 * cached, one fetch in flight, a timeout, and a cooldown so a flood of unknown `kid`s cannot cause
 * a fetch storm. Shared by ID-token and bearer-token verification.
 */
@Injectable()
export class WristbandJwks {
  readonly getKey: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    @InjectWristbandOptions() options: ResolvedWristbandOptions,
    @Optional() metrics: WristbandMetrics = WristbandMetrics.disabled,
  ) {
    this.getKey = createRemoteJWKSet(new URL(`${options.wristbandBaseUrl}/api/v1/oauth2/jwks`), {
      timeoutDuration: options.tokens.requestTimeoutMs,
      cooldownDuration: options.bearer.jwksCooldownMs,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: metrics.enabled ? countedFetch(options.fetch, metrics) : options.fetch,
    });
  }
}

/** `fetch` that counts each key fetch's outcome (`wristband_jwks_fetch_total`). */
function countedFetch(fetch: typeof globalThis.fetch, metrics: WristbandMetrics): typeof fetch {
  return async (input, init) => {
    try {
      const res = await fetch(input, init);
      metrics.jwksFetch(res.ok ? 'success' : 'http_error');
      return res;
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      metrics.jwksFetch(
        name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error',
      );
      throw err;
    }
  };
}
