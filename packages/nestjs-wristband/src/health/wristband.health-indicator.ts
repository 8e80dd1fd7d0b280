import { Injectable } from '@nestjs/common';
import { InjectWristbandOptions } from '../decorators/inject-wristband-options.decorator.js';
import type { ResolvedWristbandOptions } from '../interfaces/resolved-options.interface.js';
import { healthResult, type WristbandHealthResult } from './health-indicator-result.js';

export interface WristbandHealthCheckOptions {
  /** Longest wait for Wristband's JWKS endpoint, in milliseconds. Default 2000. */
  timeoutMs?: number;
  /**
   * How long a result is reused, in milliseconds, so that frequent probes (every instance, every few
   * seconds) cannot flood Wristband. Default 5000.
   */
  cacheMs?: number;
}

interface Probe {
  ok: boolean;
  message?: string;
}

/**
 * Whether Wristband answers: its JWKS endpoint (the keys every login and bearer token needs) must
 * answer 200 with a key set in time. For `@nestjs/terminus` readiness checks:
 *
 * ```ts
 * this.health.check([() => this.wristband.isHealthy('wristband')])
 * ```
 *
 * Returns terminus' result shape without depending on terminus. One probe in flight at a time; its
 * result is reused for `cacheMs`.
 */
@Injectable()
export class WristbandHealthIndicator {
  private readonly jwksUrl: string;
  private readonly fetch: typeof fetch;
  private cached?: { until: number; probe: Promise<Probe> };

  constructor(@InjectWristbandOptions() options: ResolvedWristbandOptions) {
    this.jwksUrl = `${options.wristbandBaseUrl}/api/v1/oauth2/jwks`;
    this.fetch = options.fetch;
  }

  async isHealthy<Key extends string = 'wristband'>(
    key: Key = 'wristband' as Key,
    options: WristbandHealthCheckOptions = {},
  ): Promise<WristbandHealthResult<Key>> {
    const { timeoutMs = 2000, cacheMs = 5000 } = options;
    const now = Date.now();
    if (!this.cached || this.cached.until <= now) {
      const probe = this.probe(timeoutMs);
      // Cached from now while in flight (concurrent probes share it), and for `cacheMs` once it settles.
      const entry = { until: Infinity, probe };
      this.cached = entry;
      void probe.then(() => (entry.until = Date.now() + cacheMs));
    }
    const { ok, message } = await this.cached.probe;
    return ok ? healthResult(key, 'up') : healthResult(key, 'down', message);
  }

  private async probe(timeoutMs: number): Promise<Probe> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await this.fetch(this.jwksUrl, {
        headers: { accept: 'application/json' },
        signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return { ok: false, message: `Wristband's JWKS endpoint answered ${res.status}` };
      }
      const body = (await res.json()) as { keys?: unknown };
      return Array.isArray(body.keys) && body.keys.length > 0
        ? { ok: true }
        : { ok: false, message: "Wristband's JWKS endpoint answered without keys" };
    } catch {
      return {
        ok: false,
        message: signal.aborted
          ? `Wristband's JWKS endpoint did not answer within ${timeoutMs} ms`
          : "Wristband's JWKS endpoint could not be reached",
      };
    }
  }
}
