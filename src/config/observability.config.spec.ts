import { readObservabilityConfig } from './observability.config.js';

describe('readObservabilityConfig', () => {
  it('is off by default and on with true', () => {
    expect(readObservabilityConfig({}).config).toEqual({ metricsEnabled: false, auditLog: false });
    expect(readObservabilityConfig({ METRICS_ENABLED: 'true', AUDIT_LOG: 'TRUE' }).config).toEqual({
      metricsEnabled: true,
      auditLog: true,
    });
  });

  it('names a variable that is neither true nor false, without its value', () => {
    const { problems } = readObservabilityConfig({ METRICS_ENABLED: 'yes-please', AUDIT_LOG: '1' });
    expect(problems).toEqual([
      'METRICS_ENABLED must be true or false',
      'AUDIT_LOG must be true or false',
    ]);
  });
});
