import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';
import type { PromMetricSet, WristbandMetricsRegistry } from './wristband-metrics.js';

type PromClient = typeof import('prom-client');

/** prom-client, or a startup error naming the package when the app turned metrics on without it. */
export async function loadPromClient(
  load: () => Promise<PromClient> = () => import('prom-client'),
): Promise<PromClient> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new WristbandConfigurationError([
      'metrics is set but the optional peer dependency "prom-client" is not installed: run `npm install prom-client`',
    ]);
  }
}

/** Refresh calls take tens of milliseconds when healthy and up to the retry budget when not. */
const REFRESH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The module's metrics on `registry` (prom-client's global one by default). A metric already there
 * under the same name is reused: two apps (or two test apps) in one process share one registry.
 */
export function createPromMetrics(
  prom: PromClient,
  registry: WristbandMetricsRegistry = prom.register,
): PromMetricSet {
  const registers = [registry as unknown as InstanceType<PromClient['Registry']>];
  const reuse = <T>(name: string, create: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? create();
  return {
    logins: reuse(
      'wristband_logins_total',
      () =>
        new prom.Counter({
          name: 'wristband_logins_total',
          help: 'Completed login callbacks, by outcome; failures by reason (the error code)',
          labelNames: ['outcome', 'reason'],
          registers,
        }),
    ),
    refreshes: reuse(
      'wristband_token_refresh_total',
      () =>
        new prom.Counter({
          name: 'wristband_token_refresh_total',
          help: 'Refresh-token grants sent to Wristband, by outcome; failures by reason',
          labelNames: ['outcome', 'reason'],
          registers,
        }),
    ),
    refreshDuration: reuse(
      'wristband_token_refresh_duration_seconds',
      () =>
        new prom.Histogram({
          name: 'wristband_token_refresh_duration_seconds',
          help: 'How long a token refresh took, retries included',
          buckets: REFRESH_BUCKETS,
          registers,
        }),
    ),
    refreshJoined: reuse(
      'wristband_refresh_joined_total',
      () =>
        new prom.Counter({
          name: 'wristband_refresh_joined_total',
          help: 'Requests that waited for a refresh another request started (in this process or another instance)',
          registers,
        }),
    ),
    jwksFetches: reuse(
      'wristband_jwks_fetch_total',
      () =>
        new prom.Counter({
          name: 'wristband_jwks_fetch_total',
          help: "Fetches of Wristband's signing keys (JWKS), by outcome",
          labelNames: ['outcome'],
          registers,
        }),
    ),
    guardDenied: reuse(
      'wristband_guard_denied_total',
      () =>
        new prom.Counter({
          name: 'wristband_guard_denied_total',
          help: 'Requests WristbandGuard refused (401/403/503), by reason (the error code)',
          labelNames: ['reason'],
          registers,
        }),
    ),
    sessionsEnded: reuse(
      'wristband_sessions_ended_total',
      () =>
        new prom.Counter({
          name: 'wristband_sessions_ended_total',
          help: 'Sessions ended, by reason: logout, expired, revoked (ended from the server)',
          labelNames: ['reason'],
          registers,
        }),
    ),
  };
}
