import { Injectable, Optional } from '@nestjs/common';
import { createRemoteJWKSet, customFetch } from 'jose';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { WristbandMetrics } from '../metrics/wristband-metrics.js';

/** Least time, in milliseconds, between two forced key-set fetches of one kind of token. */
export const FORCED_RELOAD_INTERVAL_MS = 5_000;

/**
 * Which token's unknown `kid` asks for a forced fetch. Each kind has its own budget, so a flood of bearer
 * tokens with made-up `kid`s cannot use up the one a login needs right after Wristband rotates its keys.
 */
export type ForcedReloadKind = 'id_token' | 'bearer';

/**
 * Wristband's signing keys, fetched from `{vanity}/api/v1/oauth2/jwks` by jose's remote key set:
 * cached, one fetch in flight, a timeout, and a cooldown so a flood of unknown `kid`s cannot cause
 * a fetch storm. Shared by ID-token and bearer-token verification.
 *
 * Within the cooldown a token signed with a key Wristband has just rotated in would be refused; so
 * verifiers may ask for one forced fetch (`reloadForUnknownKid`), bounded per kind of token: one in flight
 * (concurrent callers share it) and one started per `FORCED_RELOAD_INTERVAL_MS`. At most two forced
 * fetches per 5 s, whatever the traffic, on top of jose's one per cooldown.
 */
@Injectable()
export class WristbandJwks {
  readonly getKey: ReturnType<typeof createRemoteJWKSet>;
  private readonly forced: Record<ForcedReloadKind, ForcedReload>;

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
    const reload = () => this.getKey.reload();
    this.forced = { id_token: new ForcedReload(reload), bearer: new ForcedReload(reload) };
  }

  /**
   * Fetches the key set again despite the cooldown, for a token whose `kid` the cached set lacks. Joins the
   * forced fetch of that kind in flight; does nothing when one was started less than
   * `FORCED_RELOAD_INTERVAL_MS` ago (its keys are in the cache by now). Never rejects: a failed fetch
   * (counted in the metrics) leaves the cached keys, and the caller's second check fails as the first did.
   * The caller checks the token once more afterwards, whether a fetch happened or not.
   */
  reloadForUnknownKid(kind: ForcedReloadKind): Promise<void> {
    return this.forced[kind].run();
  }
}

/** One forced fetch in flight at a time, and one started per `FORCED_RELOAD_INTERVAL_MS`. */
class ForcedReload {
  private inFlight: Promise<void> | undefined;
  private lastStartedAt = -Infinity;

  constructor(private readonly reload: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const now = performance.now();
    if (now - this.lastStartedAt < FORCED_RELOAD_INTERVAL_MS) return Promise.resolve();
    this.lastStartedAt = now;
    const current = (this.inFlight = this.reload()
      .catch(() => undefined)
      .finally(() => {
        if (this.inFlight === current) this.inFlight = undefined;
      }));
    return current;
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
