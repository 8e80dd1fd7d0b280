import { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie, type SerializeOptions } from 'cookie';

/**
 * The one place that touches requests and responses. Requests are read through Node's own
 * `IncomingMessage` (Express's request is one; Fastify keeps it in `request.raw`). Headers are written
 * through `RawResponse`: Node's `ServerResponse` on Express, Fastify's reply on Fastify (so its hooks and
 * other `Set-Cookie` headers of the same answer see ours).
 */
export type RawRequest = IncomingMessage & { query?: Record<string, unknown> };

/** Where the module writes response headers (cookies, `Cache-Control`) before the handler answers. */
export interface RawResponse {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
}

/** The part of Fastify's reply the module uses (no dependency on `fastify`). */
interface FastifyReplyLike {
  raw: ServerResponse;
  sent: boolean;
  code(status: number): FastifyReplyLike;
  header(name: string, value: unknown): FastifyReplyLike;
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): FastifyReplyLike;
  send(payload?: string): FastifyReplyLike;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  return (
    typeof response === 'object' &&
    response !== null &&
    (response as { raw?: unknown }).raw instanceof ServerResponse &&
    typeof (response as { header?: unknown }).header === 'function'
  );
}

/** Headers written through a Fastify reply: a header set again replaces the earlier value, as on Node's. */
class FastifyReplyHeaders implements RawResponse {
  constructor(private readonly reply: FastifyReplyLike) {}

  getHeader(name: string): number | string | string[] | undefined {
    return this.reply.getHeader(name);
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    // Fastify appends `set-cookie` values instead of replacing them.
    if (name === 'set-cookie') this.reply.removeHeader(name);
    this.reply.header(name, value);
    return this;
  }
}

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
 * True when `name` is in the query string other than once as plain text: repeated (`a=1&a=2`) or in a
 * bracket form some parsers turn into arrays or objects (`a[]=1`, `a[b]=1`). `queryParam` reads those as
 * absent; a caller whose parameter decides something can refuse them instead.
 */
export function queryParamMalformed(req: RawRequest, name: string): boolean {
  const fromFramework = req.query?.[name];
  if (fromFramework !== undefined && typeof fromFramework !== 'string') return true;
  // The URL too: a framework's parser may have kept one of the forms apart (`a=1&a[]=2`).
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return false;
  const params = new URLSearchParams(url.slice(q + 1));
  if (params.getAll(name).length > 1) return true;
  for (const key of params.keys()) if (key.startsWith(`${name}[`)) return true;
  return false;
}

/** Node's request behind a framework request (Express's is Node's; Fastify keeps it in `.raw`). */
export function rawRequestOf(request: unknown): RawRequest {
  // `instanceof` first: looking up a missing `raw` on an Express request is a slow V8 lookup.
  if (request instanceof IncomingMessage) return request;
  return ((request as { raw?: RawRequest }).raw ?? request) as RawRequest;
}

/** Where to write headers for a framework response (Express's response, or Fastify's reply). */
export function responseHeadersOf(response: unknown): RawResponse {
  if (response instanceof ServerResponse) return response;
  return isFastifyReply(response) ? new FastifyReplyHeaders(response) : (response as RawResponse);
}

/**
 * Sets a header the handler may still replace (a later write of the same header wins), without the
 * wrapper `responseHeadersOf` makes. On Fastify through the reply: a header set on Node's response
 * beforehand sends Node's `writeHead` down its slower merging path.
 */
export function setDefaultHeader(response: unknown, name: string, value: string): void {
  if (response instanceof ServerResponse) response.setHeader(name, value);
  else if (isFastifyReply(response)) response.header(name, value);
  else responseHeadersOf(response).setHeader(name, value);
}

/** Whether the answer to this framework response has started (then nothing more can be sent). */
export function answerStarted(response: unknown): boolean {
  if (response instanceof ServerResponse) return response.headersSent;
  return isFastifyReply(response)
    ? response.sent || response.raw.headersSent
    : (response as { headersSent?: boolean }).headersSent === true;
}

/**
 * Sends a complete answer through the framework's own response (Fastify's reply runs its `onSend`
 * hooks and keeps the cookies set on it); headers already set on the response are kept.
 */
export function sendAnswer(
  response: unknown,
  status: number,
  headers: Record<string, string>,
  body = '',
): void {
  if (isFastifyReply(response)) {
    response.code(status);
    for (const name in headers) response.header(name, headers[name]);
    // `send('')` would add Fastify's `text/plain` content type to an empty answer; Express adds none.
    if (body) response.send(body);
    else response.send();
    return;
  }
  const res = response as ServerResponse;
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]);
  res.end(body);
}

/** A 302 to `location` that no cache keeps. */
export function sendRedirect(response: unknown, location: string): void {
  sendAnswer(response, 302, { location, 'cache-control': 'no-store' });
}

/**
 * The request and response of an HTTP execution context, read from the context's arguments directly:
 * `switchToHttp()` allocates three closures on every call.
 */
export function rawExchange(context: { getArgByIndex<T>(index: number): T }): {
  req: RawRequest;
  res: RawResponse;
} {
  return { req: rawRequest(context), res: rawResponse(context) };
}

export function rawRequest(context: { getArgByIndex<T>(index: number): T }): RawRequest {
  return rawRequestOf(context.getArgByIndex<unknown>(0));
}

export function rawResponse(context: { getArgByIndex<T>(index: number): T }): RawResponse {
  return responseHeadersOf(context.getArgByIndex<unknown>(1));
}
