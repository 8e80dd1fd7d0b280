import { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie, type SerializeOptions } from 'cookie';

/**
 * The one place that touches requests and responses. It uses only Node's own `IncomingMessage` /
 * `ServerResponse` API, which Express and Fastify (`request.raw`, `reply.raw`) both expose.
 */
export type RawRequest = IncomingMessage & { query?: Record<string, unknown> };
export type RawResponse = ServerResponse;

export interface CookieAttributes {
  secure: boolean;
  httpOnly: boolean;
  maxAgeSeconds: number;
  sameSite?: 'lax' | 'strict';
}

/** Cookie names get the `__Host-` prefix whenever they are Secure: the browser then pins them to this host and path `/`. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function readCookies(req: RawRequest): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header ? parseCookie(header) : {};
}

/**
 * Reads one cookie without parsing the whole header into an object and without allocating for the
 * other cookies (hot path). Same result as the `cookie` package (`readCookies`) for our cookies: the
 * first pair of that name wins, whitespace around name and value is ignored, quotes are kept.
 */
export function readCookie(req: RawRequest, name: string): string | undefined {
  return cookieFromHeader(req.headers.cookie, name);
}

/** `readCookie` on a `Cookie` header already in hand (`req.headers` is a getter: read it once). */
export function cookieFromHeader(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const length = header.length;
  let start = 0;
  while (start < length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    const nameStart = skipSpaces(header, start, end);
    if (header.startsWith(name, nameStart)) {
      const eq = skipSpaces(header, nameStart + name.length, end);
      if (eq < end && header.charCodeAt(eq) === 61 /* = */) {
        return header.slice(eq + 1, end).trim();
      }
    }
    start = end + 1;
  }
  return undefined;
}

function skipSpaces(s: string, from: number, to: number): number {
  while (from < to && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
  return from;
}

export function setCookie(
  res: RawResponse,
  name: string,
  value: string,
  attrs: CookieAttributes,
): void {
  const options: SerializeOptions = {
    path: '/',
    httpOnly: attrs.httpOnly,
    secure: attrs.secure,
    sameSite: attrs.sameSite ?? 'lax',
    maxAge: Math.max(0, Math.floor(attrs.maxAgeSeconds)),
  };
  appendSetCookie(res, stringifySetCookie(name, value, options));
}

export function clearCookie(
  res: RawResponse,
  name: string,
  secure: boolean,
  httpOnly = true,
): void {
  appendSetCookie(
    res,
    stringifySetCookie(name, '', {
      path: '/',
      httpOnly,
      secure,
      sameSite: 'lax',
      maxAge: 0,
      expires: new Date(0),
    }),
  );
}

function appendSetCookie(res: RawResponse, value: string): void {
  const existing = res.getHeader('set-cookie');
  const name = value.slice(0, value.indexOf('='));
  // A later write of the same cookie in one response replaces the earlier one.
  const list = (Array.isArray(existing) ? existing : existing ? [String(existing)] : []).filter(
    (c) => c.slice(0, c.indexOf('=')) !== name,
  );
  list.push(value);
  res.setHeader('set-cookie', list);
}

/** The query string of the raw request, parsed once (`req.query` when the framework already did it). */
export function queryParam(req: RawRequest, name: string): string | undefined {
  const fromFramework = req.query?.[name];
  if (typeof fromFramework === 'string') return fromFramework;
  if (fromFramework !== undefined) return undefined; // arrays and objects are never valid for us
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  return params.getAll(name).length === 1 ? (params.get(name) ?? undefined) : undefined;
}

/**
 * The raw Node request/response behind an HTTP execution context (Express objects are the raw ones;
 * Fastify keeps them in `.raw`). Reads the context's arguments directly: `switchToHttp()` allocates
 * three closures on every call.
 */
export function rawExchange(context: { getArgByIndex<T>(index: number): T }): {
  req: RawRequest;
  res: RawResponse;
} {
  return { req: rawRequest(context), res: rawResponse(context) };
}

// `instanceof` first: looking up a missing `raw` on an Express request is a slow V8 lookup.
export function rawRequest(context: { getArgByIndex<T>(index: number): T }): RawRequest {
  const req = context.getArgByIndex<RawRequest | { raw?: RawRequest }>(0);
  return req instanceof IncomingMessage ? req : ((req.raw ?? req) as RawRequest);
}

export function rawResponse(context: { getArgByIndex<T>(index: number): T }): RawResponse {
  const res = context.getArgByIndex<RawResponse | { raw?: RawResponse }>(1);
  return res instanceof ServerResponse ? res : ((res.raw ?? res) as RawResponse);
}
