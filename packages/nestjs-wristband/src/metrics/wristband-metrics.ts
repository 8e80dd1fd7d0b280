import type { RefreshFailureReason } from '../events/wristband-event.interface.js';

/**
 * A prom-client `Registry`, typed by the two methods used (prom-client is an optional peer dependency,
 * so its types must not be needed to compile against this package).
 */
export interface WristbandMetricsRegistry {
  getSingleMetric(name: string): unknown;
  registerMetric(metric: never): void;
}

/** Why a session ended (`wristband_sessions_ended_total{reason}`). */
export type SessionEndReason = 'logout' | 'expired' | 'revoked';

/** The subset of prom-client's metric classes used, as the provider builds them. */
export interface PromMetricSet {
  logins: { inc(labels: { outcome: string; reason?: string }): void };
  refreshes: { inc(labels: { outcome: string; reason?: string }): void };
  refreshDuration: { observe(seconds: number): void };
  refreshJoined: { inc(): void };
  jwksFetches: { inc(labels: { outcome: string }): void };
  guardDenied: { inc(labels: { reason: string }): void };
  sessionsEnded: { inc(labels: { reason: string }, value?: number): void };
}

/**
 * The module's counters. Called only where something is refused, refreshed, fetched or ended: never on
 * the guard's fast path. Without the `metrics` option every method is a no-op and prom-client is never
 * loaded.
 */
export class WristbandMetrics {
  static readonly disabled = new WristbandMetrics(undefined);

  constructor(private readonly prom: PromMetricSet | undefined) {}

  get enabled(): boolean {
    return this.prom !== undefined;
  }

  login(outcome: 'success' | 'failure', reason?: string): void {
    this.prom?.logins.inc(reason === undefined ? { outcome } : { outcome, reason });
  }

  refresh(outcome: 'success' | 'failure', seconds: number, reason?: RefreshFailureReason): void {
    if (!this.prom) return;
    this.prom.refreshes.inc(reason === undefined ? { outcome } : { outcome, reason });
    this.prom.refreshDuration.observe(seconds);
  }

  refreshJoined(): void {
    this.prom?.refreshJoined.inc();
  }

  jwksFetch(outcome: 'success' | 'http_error' | 'network_error' | 'timeout'): void {
    this.prom?.jwksFetches.inc({ outcome });
  }

  guardDenied(reason: string): void {
    this.prom?.guardDenied.inc({ reason });
  }

  sessionEnded(reason: SessionEndReason, count = 1): void {
    if (count > 0) this.prom?.sessionsEnded.inc({ reason }, count);
  }
}
