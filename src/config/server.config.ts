import { isIP } from 'node:net';

/**
 * Which proxies' `X-Forwarded-For` / `X-Forwarded-Proto` to believe: the subset of Express's and
 * Fastify's `trust proxy` values that can be stated in an environment variable without surprises.
 * `false`: none (the socket's address and protocol are the truth); `true`: any; a number: that many
 * hops in front of the app; a list: proxies at these addresses or CIDR ranges.
 */
export type TrustProxy = boolean | number | string[];

/** The Nest HTTP platform the example app runs on (`HTTP_ADAPTER`). */
export type HttpAdapterName = 'express' | 'fastify';

export const HTTP_ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

/** How the example app's HTTP server listens, trusts proxies and stops. */
export interface ServerConfig {
  /** `HTTP_ADAPTER`: `express` (default, `@nestjs/platform-express`) or `fastify` (`@nestjs/platform-fastify`). */
  httpAdapter: HttpAdapterName;
  /** Interface to listen on (`HOST`). Default `127.0.0.1`: this machine only; `0.0.0.0` in a container. */
  host: string;
  /** `TRUST_PROXY`, parsed for Express's (or Fastify's) `trust proxy`. Default `false`. */
  trustProxy: TrustProxy;
  /**
   * Longest graceful shutdown after SIGTERM or SIGINT, in milliseconds (`SHUTDOWN_TIMEOUT_MS`): requests
   * still running then are cut and the process exits with code 1. Default 10000.
   */
  shutdownTimeoutMs: number;
}

export interface ServerConfigResult {
  config: ServerConfig;
  /** One line per bad variable, naming it and never its value; empty when all are valid. */
  problems: string[];
}

/** Node's timers fire at once (with a warning) beyond this many milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Reads `HTTP_ADAPTER`, `HOST`, `TRUST_PROXY` and `SHUTDOWN_TIMEOUT_MS`; unset or empty means the default. */
export function readServerConfig(env: NodeJS.ProcessEnv): ServerConfigResult {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  const adapterText = (value('HTTP_ADAPTER') ?? 'express').toLowerCase();
  const httpAdapter = HTTP_ADAPTERS.find((name) => name === adapterText);
  if (!httpAdapter) problems.push('HTTP_ADAPTER must be express or fastify');

  const host = value('HOST') ?? '127.0.0.1';
  // All digits and dots but not an address (`10.0.0.256`) is a typo, not a host name.
  if (!isIP(host) && (!HOST_NAME.test(host) || /^[\d.]+$/.test(host)))
    problems.push('HOST must be an IP address (e.g. 0.0.0.0) or a host name');

  const trust = parseTrustProxy(value('TRUST_PROXY') ?? 'false');
  if (typeof trust === 'string') problems.push(`TRUST_PROXY ${trust}`);

  const timeoutText = value('SHUTDOWN_TIMEOUT_MS') ?? '10000';
  const shutdownTimeoutMs = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || shutdownTimeoutMs < 1 || shutdownTimeoutMs > MAX_TIMER_MS) {
    problems.push(
      `SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`,
    );
  }

  return {
    config: {
      httpAdapter: httpAdapter ?? 'express',
      host,
      trustProxy: typeof trust === 'string' ? false : trust.value,
      shutdownTimeoutMs,
    },
    problems,
  };
}

const TRUST_PROXY_FORMS =
  'must be false, true, a hop count or a comma-separated list of IP addresses and CIDR ranges';

/** The parsed value, or what is wrong with it (without the value). */
function parseTrustProxy(text: string): { value: TrustProxy } | string {
  if (/^false$/i.test(text)) return { value: false };
  if (/^true$/i.test(text)) return { value: true };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return Number.isSafeInteger(hops) ? { value: hops } : TRUST_PROXY_FORMS;
  }
  const entries = text.split(',').map((s) => s.trim());
  const bad = entries.findIndex((entry) => !isAddressOrRange(entry));
  if (bad === -1) return { value: entries };
  return entries.length > 1
    ? `${TRUST_PROXY_FORMS} (entry ${bad + 1} is neither)`
    : TRUST_PROXY_FORMS;
}

/** `10.0.0.1`, `10.0.0.0/8`, `fd00::1`, `fd00::/8`. Zone ids (`fe80::1%eth0`) are refused: Express's parser refuses them. */
function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length || address.includes('%')) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  // Express's parser refuses /0: `true` says "any proxy".
  return (
    /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128)
  );
}
