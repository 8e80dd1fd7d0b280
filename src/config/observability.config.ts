/** What the example app exposes about its auth layer. */
export interface ObservabilityConfig {
  /** `METRICS_ENABLED`: serve `GET /metrics` (Prometheus, prom-client's global registry). Default `false`. */
  metricsEnabled: boolean;
  /** `AUDIT_LOG`: write each of Wristband's audit events as one JSON line to stdout. Default `false`. */
  auditLog: boolean;
}

export interface ObservabilityConfigResult {
  config: ObservabilityConfig;
  /** One line per bad variable, naming it and never its value. */
  problems: string[];
}

/** Reads `METRICS_ENABLED` and `AUDIT_LOG` (`true` or `false`; unset or empty means `false`). */
export function readObservabilityConfig(env: NodeJS.ProcessEnv): ObservabilityConfigResult {
  const problems: string[] = [];
  const flag = (name: string): boolean => {
    const text = env[name]?.trim().toLowerCase();
    if (text === undefined || text === '' || text === 'false') return false;
    if (text === 'true') return true;
    problems.push(`${name} must be true or false`);
    return false;
  };
  return {
    config: { metricsEnabled: flag('METRICS_ENABLED'), auditLog: flag('AUDIT_LOG') },
    problems,
  };
}
