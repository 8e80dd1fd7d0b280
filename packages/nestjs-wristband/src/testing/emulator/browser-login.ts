/** The browser's part of a login, over real HTTP: authorize, the login form, the provider's redirects. */
import { CookieJar, request } from '../http-client.js';
import { WristbandEmulatorError } from './emulator.error.js';

/**
 * Follows `authorizeUrl` on the emulator (port `port`), posts the credentials into the login form and
 * returns the first Location that leaves the emulator: the client's redirect URI with code, state and
 * tenant_name, or with error, error_description and state. Throws `login_refused` (message "login
 * refused …") when the form comes back with an error, `flow_failed` on anything else unexpected.
 */
export async function authorizeViaForm(
  port: number,
  authorizeUrl: string,
  creds: { username: string; password: string },
  jar = new CookieJar(),
): Promise<string> {
  let res = await request(authorizeUrl, { jar });
  let posted = false;
  for (let hop = 0; hop < 15; hop += 1) {
    if (res.status >= 300 && res.status < 400 && res.location) {
      if (!isEmulatorUrl(port, res.location)) return res.location;
      res = await request(res.location, { jar });
      continue;
    }
    if (res.status < 500 && /id="login-form"/.test(res.text)) {
      if (posted) {
        const msg =
          /id="login-error"[^>]*>([^<]*)</.exec(res.text)?.[1] ?? 'login form shown again';
        throw new WristbandEmulatorError(
          'login_refused',
          `login refused (HTTP ${res.status}): ${msg}`,
          res.status,
        );
      }
      const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
      if (!action)
        throw new WristbandEmulatorError(
          'flow_failed',
          'authorizeViaForm: login form without action',
        );
      posted = true;
      res = await request(new URL(action, res.url).href, {
        method: 'POST',
        jar,
        body: new URLSearchParams({ username: creds.username, password: creds.password }),
      });
      continue;
    }
    const page = res.text
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    throw new WristbandEmulatorError(
      'flow_failed',
      `authorizeViaForm: unexpected HTTP ${res.status} at ${new URL(res.url).pathname}: ${page}`,
      res.status,
    );
  }
  throw new WristbandEmulatorError('flow_failed', 'authorizeViaForm: too many redirects');
}

function isEmulatorUrl(port: number, u: string): boolean {
  try {
    const url = new URL(u);
    const h = url.hostname;
    return (
      Number(url.port) === port &&
      (h === 'localhost' || h.endsWith('.localhost') || h === '127.0.0.1' || h === '[::1]')
    );
  } catch {
    return false;
  }
}
