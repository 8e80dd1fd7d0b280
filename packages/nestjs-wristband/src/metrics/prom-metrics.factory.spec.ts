import * as prom from 'prom-client';
import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';
import { createPromMetrics, loadPromClient } from './prom-metrics.factory.js';
import { WristbandMetrics } from './wristband-metrics.js';

describe('prom-client metrics', () => {
  it('registers exactly the documented metrics on the registry given', async () => {
    const registry = new prom.Registry();
    createPromMetrics(prom, registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => `${m.name} ${String(m.type)}`);
    expect(names.sort()).toEqual([
      'wristband_guard_denied_total counter',
      'wristband_jwks_fetch_total counter',
      'wristband_logins_total counter',
      'wristband_refresh_joined_total counter',
      'wristband_sessions_ended_total counter',
      'wristband_token_refresh_duration_seconds histogram',
      'wristband_token_refresh_total counter',
    ]);
  });

  it('reuses the metrics already on the registry (two apps in one process share them)', async () => {
    const registry = new prom.Registry();
    const first = new WristbandMetrics(createPromMetrics(prom, registry));
    const second = new WristbandMetrics(createPromMetrics(prom, registry));
    first.login('success');
    second.login('failure', 'login_state_invalid');
    second.sessionEnded('revoked', 3);
    second.sessionEnded('revoked', 0);
    const text = await registry.metrics();
    expect(text).toContain('wristband_logins_total{outcome="success"} 1');
    expect(text).toContain(
      'wristband_logins_total{outcome="failure",reason="login_state_invalid"} 1',
    );
    expect(text).toContain('wristband_sessions_ended_total{reason="revoked"} 3');
  });

  it('disabled: every call is a no-op', () => {
    expect(WristbandMetrics.disabled.enabled).toBe(false);
    expect(() => {
      WristbandMetrics.disabled.refresh('failure', 0.1, 'unavailable');
      WristbandMetrics.disabled.guardDenied('csrf_failed');
    }).not.toThrow();
  });

  it('without prom-client installed: a startup error naming the package', async () => {
    const missing = Object.assign(new Error("Cannot find package 'prom-client'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await loadPromClient(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WristbandConfigurationError);
    expect((error as Error).message).toMatch(/npm install prom-client/);
  });
});
