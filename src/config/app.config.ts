import {
  WristbandConfigurationError,
  wristbandOptionsFromEnv,
  type WristbandModuleFactoryOptions,
} from 'nestjs-wristband';
import { readServerConfig, type ServerConfig } from './server.config.js';
import { readObservabilityConfig, type ObservabilityConfig } from './observability.config.js';

/** Configuration of the example app, read from the environment once at startup. */
export interface AppConfig {
  port: number;
  /** `HOST`, `TRUST_PROXY`, `SHUTDOWN_TIMEOUT_MS` (src/config/server.config.ts). */
  server: ServerConfig;
  /** `METRICS_ENABLED`, `AUDIT_LOG` (src/config/observability.config.ts). */
  observability: ObservabilityConfig;
  /** The module's options: what `forRootAsync`'s factory returns (the graph options are set in code). */
  wristband: WristbandModuleFactoryOptions;
}

/** Thrown when environment variables are missing or invalid; the message names every bad variable, never a value. */
export class EnvValidationError extends Error {
  override readonly name = 'EnvValidationError';

  constructor(readonly problems: string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  const portText = value('PORT') ?? '3001';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    problems.push('PORT must be a port number (1-65535)');
  const server = readServerConfig(env);
  problems.push(...server.problems);
  const observability = readObservabilityConfig(env);
  problems.push(...observability.problems);

  let wristband: WristbandModuleFactoryOptions | undefined;
  try {
    wristband = wristbandOptionsFromEnv(env);
  } catch (err) {
    if (!(err instanceof WristbandConfigurationError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length || !wristband) throw new EnvValidationError(problems);
  return { port, server: server.config, observability: observability.config, wristband };
}
