/** HTTP plumbing of the emulator: reading bodies, answering, and the few headers it parses itself. */
import type * as http from 'node:http';
import * as crypto from 'node:crypto';
import { Readable } from 'node:stream';

const MAX_BODY = 64 * 1024;

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('request entity too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Presents an already-read request body to oidc-provider as if the stream were untouched. */
export function withReplayedBody(req: http.IncomingMessage, body: Buffer): http.IncomingMessage {
  const replay = Readable.from([body], { objectMode: false });
  return new Proxy(req, {
    get(target, prop) {
      if (prop === 'readable') return replay.readable;
      if (prop === 'readableEncoding') return null;
      if (prop === 'iterator') return replay.iterator.bind(replay);
      if (prop === Symbol.asyncIterator) return replay[Symbol.asyncIterator].bind(replay);
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}

/** Answers once: a string as text, an object as JSON; nothing when the response already went. */
export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  let payload: string;
  const h: Record<string, string> = { 'cache-control': 'no-store', ...headers };
  const hasType = () => Object.keys(h).some((k) => k.toLowerCase() === 'content-type');
  if (body === undefined || body === null) {
    payload = '';
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    payload = body.toString();
    if (!hasType()) h['content-type'] = 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(body);
    if (!hasType()) h['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(status, { ...h, 'content-length': String(Buffer.byteLength(payload)) });
  res.end(payload);
}

export function sendHtml(
  res: http.ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, html, { 'content-type': 'text/html; charset=utf-8', ...headers });
}

export function redirect(
  res: http.ServerResponse,
  location: string,
  status = 302,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    location,
    'cache-control': 'no-store',
    'content-length': '0',
    ...headers,
  });
  res.end();
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Client credentials of `Authorization: Basic` (RFC 6749 form-encodes id and secret). */
export function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const raw = Buffer.from(m[1], 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

/** Constant-time comparison of strings of any lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** The tenant label of a `{tenant}.localhost[:port]` Host header; undefined on the vanity host. */
export function tenantLabel(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const labels = hostname.split('.');
  if (labels.length >= 2 && labels[labels.length - 1] === 'localhost') return labels[0];
  return undefined;
}

export function randomId(bytes = 16): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** Now, in whole seconds (JWT `iat` / `exp`). */
export function epoch(): number {
  return Math.floor(Date.now() / 1000);
}
