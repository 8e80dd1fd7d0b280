import type { RawRequest } from './http-exchange.js';

/** `Sec-Fetch-Site` values that mean "not started by another site": this origin, or the user (address bar, bookmark). */
const OWN_INITIATORS = new Set(['same-origin', 'none']);
const FETCH_SITE_VALUES = new Set(['same-origin', 'same-site', 'cross-site', 'none']);

/**
 * Why a request must be treated as started by another site, or `undefined` when it came from this app's
 * own pages or from the user. For GETs that change state but must stay link-friendly (`GET /auth/logout`).
 *
 * - `Sec-Fetch-Site` decides when present (every current browser sends it): only `same-origin` and `none`
 *   pass. `same-site` is refused too: another subdomain (or another port of the same host) is another app.
 * - Without it, `Origin`, then `Referer`, must be this app's origin when present (`Origin: null` is not).
 * - With none of the three, the request passes: a typed URL or bookmark in a browser that predates Fetch
 *   Metadata, or a non-browser client, cannot be told apart from a forged one, and refusing would break
 *   the first two. What is left open is a browser without Fetch Metadata that also sends no referrer.
 *
 * The reason names the header that decided, never its value (it would be echoed to the client).
 */
export function foreignInitiator(req: RawRequest, appOrigin: string): string | undefined {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) {
    if (OWN_INITIATORS.has(site)) return undefined;
    return `Sec-Fetch-Site is ${FETCH_SITE_VALUES.has(site) ? site : 'not recognised'}`;
  }
  const origin = header(req, 'origin');
  if (origin !== undefined) return origin === appOrigin ? undefined : 'Origin is another origin';
  const referer = header(req, 'referer');
  if (referer !== undefined)
    return originOf(referer) === appOrigin ? undefined : 'Referer is another origin';
  return undefined;
}

function header(req: RawRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
