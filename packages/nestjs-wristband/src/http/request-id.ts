import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a request id travels in, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's id is kept only when it is short and plain: 1-128 of `A-Z a-z 0-9 . _ : -`. Anything else
 * (spaces, quotes, newlines, a JWT pasted by mistake) could forge log lines or leak, so it is replaced.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/** The request's id as `assignRequestId` left it (or as a sane caller sent it); `undefined` otherwise. */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string | undefined {
  const value = req.headers[REQUEST_ID_HEADER];
  return isSaneRequestId(value) ? value : undefined;
}

/**
 * Gives the request its id: the caller's `x-request-id` when sane, a new UUID otherwise. The id replaces
 * the request's header (so everything reading the request later, Wristband's events included, sees the
 * same one) and is echoed in the response. Call it first, from a middleware: Nest hands middleware
 * Node's own request and response on Express and on Fastify alike.
 */
export function assignRequestId(
  req: { headers: IncomingHttpHeaders },
  res: { setHeader(name: string, value: string): unknown },
): string {
  const id = requestIdOf(req) ?? randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
