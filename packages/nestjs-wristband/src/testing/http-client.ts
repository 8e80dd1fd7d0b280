// Over 300 lines on purpose: a cookie jar with browser rules (domains, paths, `__Host-`, `*.localhost`) and
// the request and redirect helpers that use it belong together.
/**
 * A tiny HTTP client for tests, over `node:http`.
 *
 * - Never follows redirects by itself (`followRedirects` does, hop by hop, and can stop early).
 * - `CookieJar` stores cookies per host (Domain, Path, Max-Age, Expires honoured; `Secure` ignored
 *   for http://localhost and *.localhost, as browsers do).
 * - Any `*.localhost` host (and `localhost`) resolves to 127.0.0.1, like Chromium does. Node's own
 *   resolver does not know `acme.localhost`.
 * - No keep-alive: every request uses a fresh connection, so nothing is left open when a test ends.
 */
import * as http from 'node:http';
import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';

export interface StoredCookie {
  name: string;
  value: string;
  domain: string; // lowercase host or domain (without leading dot)
  hostOnly: boolean;
  path: string;
  expiresAt?: number; // epoch ms; undefined = session cookie
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
}

function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const idx = pathname.lastIndexOf('/');
  return idx <= 0 ? '/' : pathname.slice(0, idx);
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(reqPath: string, cookiePath: string): boolean {
  if (reqPath === cookiePath) return true;
  if (reqPath.startsWith(cookiePath)) {
    return cookiePath.endsWith('/') || reqPath.charAt(cookiePath.length) === '/';
  }
  return false;
}

function isLocalHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '127.0.0.1' ||
    host === '[::1]' ||
    host === '::1'
  );
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Stores the Set-Cookie headers of a response received from `url`. */
  setCookies(url: string | URL, setCookie: string[] | string | undefined): void {
    if (!setCookie) return;
    const u = typeof url === 'string' ? new URL(url) : url;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) this.setCookie(u, line);
  }

  setCookie(url: URL, line: string): void {
    const host = url.hostname.toLowerCase();
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const cookie: StoredCookie = {
      name,
      value,
      domain: host,
      hostOnly: true,
      path: defaultPath(url.pathname),
      secure: false,
      httpOnly: false,
    };
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const val = i === -1 ? '' : attr.slice(i + 1).trim();
      switch (key) {
        case 'domain': {
          const d = val.replace(/^\./, '').toLowerCase();
          if (!d) break;
          if (!domainMatches(host, d)) return; // reject cookies for foreign domains
          cookie.domain = d;
          cookie.hostOnly = false;
          break;
        }
        case 'path':
          cookie.path = val.startsWith('/') ? val : defaultPath(url.pathname);
          break;
        case 'max-age': {
          const n = Number.parseInt(val, 10);
          if (!Number.isNaN(n)) maxAge = n;
          break;
        }
        case 'expires': {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) expires = t;
          break;
        }
        case 'secure':
          cookie.secure = true;
          break;
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'samesite':
          cookie.sameSite = val.toLowerCase();
          break;
        default:
          break;
      }
    }
    if (maxAge !== undefined) cookie.expiresAt = Date.now() + maxAge * 1000;
    else if (expires !== undefined) cookie.expiresAt = expires;

    if (cookie.secure && url.protocol !== 'https:' && !isLocalHost(host)) return;

    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now()) return; // deletion
    this.cookies.push(cookie);
  }

  /** Cookies that would be sent to `url`, most specific path first. */
  cookiesFor(url: string | URL): StoredCookie[] {
    const u = typeof url === 'string' ? new URL(url) : url;
    const host = u.hostname.toLowerCase();
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
    return this.cookies
      .filter((c) => (c.hostOnly ? c.domain === host : domainMatches(host, c.domain)))
      .filter((c) => pathMatches(u.pathname || '/', c.path))
      .filter((c) => !c.secure || u.protocol === 'https:' || isLocalHost(host))
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The Cookie header value for `url`, or undefined when no cookie applies. */
  cookieHeader(url: string | URL): string | undefined {
    const list = this.cookiesFor(url);
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  get(url: string | URL, name: string): string | undefined {
    return this.cookiesFor(url).find((c) => c.name === name)?.value;
  }

  /** Adds a cookie by hand (host-only, path /). */
  set(url: string | URL, name: string, value: string): void {
    const u = typeof url === 'string' ? new URL(url) : url;
    this.setCookie(u, `${name}=${value}; Path=/`);
  }

  all(): StoredCookie[] {
    return [...this.cookies];
  }

  clear(): void {
    this.cookies = [];
  }
}

/** Resolves `localhost` and `*.localhost` to 127.0.0.1; anything else goes to the system resolver. */
export const localhostLookup: LookupFunction = (hostname, options, callback) => {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) {
    if ((options as dns.LookupOptions | undefined)?.all) {
      (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [
        { address: '127.0.0.1', family: 4 },
      ]);
    } else {
      (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
    }
    return;
  }
  dns.lookup(hostname, options, callback as never);
};

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | undefined>;
  /** string as is; URLSearchParams as a form; any other object as JSON. */
  body?: string | URLSearchParams | Buffer | Record<string, unknown> | unknown[];
  jar?: CookieJar;
  /** Milliseconds before the request is aborted (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  url: string;
  status: number;
  /** Lowercased names; `set-cookie` is always a string[]. */
  headers: Record<string, string | string[] | undefined> & { 'set-cookie'?: string[] };
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON bodies, typed by the caller
  /** Absolute Location (resolved against the request URL), when present. */
  location?: string;
}

const agent = new http.Agent({ keepAlive: false });

export function request(url: string | URL, opts: RequestOptions = {}): Promise<HttpResponse> {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'http:')
    return Promise.reject(new Error(`http-client: only http: is supported (${u.href})`));
  const method = (opts.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {}))
    if (v !== undefined) headers[k.toLowerCase()] = v;

  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') {
      payload = Buffer.from(opts.body);
    } else if (opts.body instanceof URLSearchParams) {
      payload = Buffer.from(opts.body.toString());
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (Buffer.isBuffer(opts.body)) {
      payload = opts.body;
    } else {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload.length);
  }
  if (opts.jar && headers.cookie === undefined) {
    const c = opts.jar.cookieHeader(u);
    if (c) headers.cookie = c;
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    const req = http.request(
      {
        protocol: u.protocol,
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || 80,
        path: `${u.pathname}${u.search}`,
        method,
        headers: { host: u.host, ...headers },
        lookup: localhostLookup,
        agent,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const hdrs: HttpResponse['headers'] = {};
          for (const [k, v] of Object.entries(res.headers)) hdrs[k.toLowerCase()] = v;
          const sc = res.headers['set-cookie'];
          hdrs['set-cookie'] = sc ? (Array.isArray(sc) ? sc : [sc]) : [];
          if (opts.jar) opts.jar.setCookies(u, hdrs['set-cookie']);
          const loc = res.headers.location;
          resolve({
            url: u.href,
            status: res.statusCode ?? 0,
            headers: hdrs,
            text,
            json<T>() {
              try {
                return JSON.parse(text) as T;
              } catch {
                throw new Error(
                  `http-client: response of ${method} ${u.pathname} is not JSON (status ${res.statusCode}): ${text.slice(0, 200)}`,
                );
              }
            },
            location: loc ? new URL(loc, u).href : undefined,
          });
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`http-client: timeout on ${method} ${u.href}`)),
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface FollowOptions extends Omit<RequestOptions, 'body' | 'method'> {
  maxHops?: number;
  /** Called with each redirect target before it is requested; true stops there (not requested). */
  stopAt?: (url: string) => boolean;
  method?: string;
  body?: RequestOptions['body'];
}

export interface FollowResult extends HttpResponse {
  /** Every URL requested, in order. */
  chain: string[];
  /** Set when `stopAt` stopped the chain: the URL that was not requested. */
  stoppedAt?: string;
}

/**
 * Requests `url` and follows redirects hop by hop (301/302/303 become GET; 307/308 keep method and
 * body). Stops when a response is not a redirect, when `stopAt(url)` is true for the next target
 * (returning the redirect response with `stoppedAt`), or fails after `maxHops` (default 10).
 */
export async function followRedirects(
  url: string,
  opts: FollowOptions = {},
): Promise<FollowResult> {
  const maxHops = opts.maxHops ?? 10;
  const chain: string[] = [];
  let current = url;
  let method = opts.method ?? 'GET';
  let body = opts.body;
  for (let hop = 0; ; hop += 1) {
    chain.push(current);
    const res = await request(current, { ...opts, method, body });
    if (!(res.status >= 300 && res.status < 400 && res.location)) return { ...res, chain };
    if (opts.stopAt?.(res.location)) return { ...res, chain, stoppedAt: res.location };
    if (hop + 1 >= maxHops)
      throw new Error(`http-client: too many redirects (${maxHops}) from ${url}`);
    if (res.status !== 307 && res.status !== 308) {
      method = 'GET';
      body = undefined;
    }
    current = res.location;
  }
}

/** `Authorization: Basic …` for client credentials (RFC 6749 form-encodes id and secret first). */
export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
