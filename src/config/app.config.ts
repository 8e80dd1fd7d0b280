import {
  findOptionProblems,
  type WristbandModuleFactoryOptions,
  type WristbandOptionField,
} from '../wristband/index.js';

/** Configuration of the example app, read from the environment once at startup. */
export interface AppConfig {
  port: number;
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

const ENV_NAME: Partial<Record<WristbandOptionField, string>> = {
  applicationVanityDomain: 'WRISTBAND_APPLICATION_VANITY_DOMAIN',
  clientId: 'WRISTBAND_CLIENT_ID',
  clientSecret: 'WRISTBAND_CLIENT_SECRET',
  callbackUrl: 'WRISTBAND_CALLBACK_URL',
  loginUrl: 'WRISTBAND_LOGIN_URL',
  scopes: 'WRISTBAND_SCOPES',
  dangerouslyAllowHttp: 'WRISTBAND_DANGEROUSLY_ALLOW_HTTP',
  sessionSecrets: 'SESSION_SECRETS',
  redisUrl: 'REDIS_URL',
  'bearer.allowedClientIds': 'WRISTBAND_BEARER_ALLOWED_CLIENT_IDS',
};

export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const flag = (name: string): boolean => {
    const v = value(name);
    if (v === undefined) return false;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (!/^(false|0|no)$/i.test(v)) problems.push(`${name} must be true or false`);
    return false;
  };
  /** A comma-separated list; unset or empty is `undefined`. */
  const list = (name: string): string[] | undefined => {
    const items = (value(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return items.length ? items : undefined;
  };

  const portText = value('PORT') ?? '3001';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) problems.push('PORT must be a port number (1-65535)');

  const allowedClientIds = list('WRISTBAND_BEARER_ALLOWED_CLIENT_IDS');
  const wristband: WristbandModuleFactoryOptions = {
    applicationVanityDomain: value('WRISTBAND_APPLICATION_VANITY_DOMAIN') ?? '',
    clientId: value('WRISTBAND_CLIENT_ID') ?? '',
    clientSecret: value('WRISTBAND_CLIENT_SECRET') ?? '',
    callbackUrl: value('WRISTBAND_CALLBACK_URL') ?? 'http://localhost:3001/auth/callback',
    loginUrl: value('WRISTBAND_LOGIN_URL') ?? 'http://localhost:3001/auth/login',
    scopes: (value('WRISTBAND_SCOPES') ?? 'openid offline_access email profile roles').split(/\s+/),
    isApplicationCustomDomainActive: flag('WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE'),
    dangerouslyAllowHttp: flag('WRISTBAND_DANGEROUSLY_ALLOW_HTTP'),
    sessionSecrets: list('SESSION_SECRETS') ?? [],
    redisUrl: value('REDIS_URL'),
    ...(allowedClientIds ? { bearer: { allowedClientIds } } : {}),
  };
  for (const p of findOptionProblems(wristband, env.NODE_ENV)) {
    problems.push(`${ENV_NAME[p.field] ?? p.field} ${p.message}`);
  }
  if (problems.length) throw new EnvValidationError(problems);
  return { port, wristband };
}
