import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import type { WristbandModuleFactoryOptions } from './interfaces/wristband-module-options.interface.js';
import { describeProblem, recordEnvSources } from './wristband-options.env-sources.js';
import { findOptionProblems, type WristbandOptionField } from './wristband-options.validator.js';

/** The environment variable behind each option `wristbandOptionsFromEnv` reads. */
export const WRISTBAND_ENV_VARIABLES = {
  applicationVanityDomain: 'WRISTBAND_APPLICATION_VANITY_DOMAIN',
  clientId: 'WRISTBAND_CLIENT_ID',
  clientSecret: 'WRISTBAND_CLIENT_SECRET',
  clientSecretFile: 'WRISTBAND_CLIENT_SECRET_FILE',
  callbackUrl: 'WRISTBAND_CALLBACK_URL',
  loginUrl: 'WRISTBAND_LOGIN_URL',
  scopes: 'WRISTBAND_SCOPES',
  isApplicationCustomDomainActive: 'WRISTBAND_IS_APPLICATION_CUSTOM_DOMAIN_ACTIVE',
  dangerouslyAllowHttp: 'WRISTBAND_DANGEROUSLY_ALLOW_HTTP',
  sessionSecrets: 'SESSION_SECRETS',
  redisUrl: 'REDIS_URL',
  'redis.clusterNodes': 'REDIS_CLUSTER_NODES',
  'bearer.allowedClientIds': 'WRISTBAND_BEARER_ALLOWED_CLIENT_IDS',
} as const satisfies Partial<
  Record<WristbandOptionField | 'isApplicationCustomDomainActive', string>
>;

const ENV = WRISTBAND_ENV_VARIABLES;

/**
 * The module's options from environment variables (`WRISTBAND_*`, `SESSION_SECRETS`, `REDIS_URL` or
 * `REDIS_CLUSTER_NODES`), so
 * `WristbandModule.forRoot(wristbandOptionsFromEnv())` is a whole setup. Throws one
 * `WristbandConfigurationError` naming every bad variable, never a value; what the module finds wrong
 * later (`callbackUrl` against `authRoutePrefix`) names the variable too, as `WRISTBAND_CALLBACK_URL
 * (callbackUrl)`, while the option keeps the value read (through `forRoot`, a `forRootAsync` factory, or
 * spread with options set in code). A list variable set but listing nothing (only commas or spaces) is an
 * error; unset or empty is its default. The graph options (`globalGuard`, `registerAuthRoutes`) are not
 * read from the environment: they belong in code.
 */
export function wristbandOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): WristbandModuleFactoryOptions {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
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
  /**
   * A list: unset or empty is `undefined` (the default). Set but listing nothing (only separators or
   * spaces, as a template that came out empty gives) is `[]`, which the validator refuses naming the
   * variable: never a silent "any client", "no Redis" or default scopes.
   */
  const list = (name: string, separator: RegExp): string[] | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    return raw
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
  };

  const allowedClientIds = list(ENV['bearer.allowedClientIds'], /,/);
  const clusterNodes = list(ENV['redis.clusterNodes'], /,/);
  const options: WristbandModuleFactoryOptions = {
    applicationVanityDomain: value(ENV.applicationVanityDomain) ?? '',
    clientId: value(ENV.clientId) ?? '',
    // Exactly one of the two: the validator names both variables when that is not so.
    ...(value(ENV.clientSecret) ? { clientSecret: value(ENV.clientSecret) } : {}),
    ...(value(ENV.clientSecretFile) ? { clientSecretFile: value(ENV.clientSecretFile) } : {}),
    // The documented defaults, filled in here so a problem with them names the variable.
    callbackUrl: value(ENV.callbackUrl) ?? 'http://localhost:3001/auth/callback',
    loginUrl: value(ENV.loginUrl) ?? 'http://localhost:3001/auth/login',
    scopes: list(ENV.scopes, /\s+/) ?? ['openid', 'offline_access', 'email', 'profile', 'roles'],
    isApplicationCustomDomainActive: flag(ENV.isApplicationCustomDomainActive),
    dangerouslyAllowHttp: flag(ENV.dangerouslyAllowHttp),
    sessionSecrets: list(ENV.sessionSecrets, /,/) ?? [],
    ...(value(ENV.redisUrl) ? { redisUrl: value(ENV.redisUrl) } : {}),
    ...(clusterNodes ? { redis: { clusterNodes } } : {}),
    ...(allowedClientIds ? { bearer: { allowedClientIds } } : {}),
  };
  const names: Partial<Record<WristbandOptionField, string>> = ENV;
  for (const p of findOptionProblems(options, env.NODE_ENV))
    problems.push(describeProblem(p, (field) => names[field] ?? field));
  if (problems.length) throw new WristbandConfigurationError(problems);
  // What the module finds later (callbackUrl against authRoutePrefix) names the variable too.
  recordEnvSources(options, names);
  return options;
}
