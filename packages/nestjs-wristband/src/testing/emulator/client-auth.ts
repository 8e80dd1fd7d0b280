/**
 * Client authentication against a list of secrets per client, so a test can rotate a secret the way an
 * operator does at Wristband (old and new both valid, then the old one deleted). oidc-provider keeps one
 * `client_secret` per client, fixed when the Provider is built: the emulator registers every client there
 * with a secret of its own and checks the secret the caller sent itself.
 */
import type * as http from 'node:http';
import { findClient, type EmulatorContext } from './context.js';
import { parseBasic, safeEqual } from './http.js';
import type { EmulatorClient } from './seed.js';

/** The client whose id and secret `authorization` (client_secret_basic) carries, if the secret is valid now. */
export function authenticatedClient(
  ctx: EmulatorContext,
  authorization: string | undefined,
): EmulatorClient | undefined {
  const creds = parseBasic(authorization);
  const client = creds && findClient(ctx, creds.id);
  if (!creds || !client) return undefined;
  const secrets = ctx.clientSecrets.get(client.clientId) ?? [];
  // Every secret compared, so the time taken does not tell which one matched.
  const matches = secrets.filter((s) => safeEqual(creds.secret, s)).length;
  return matches > 0 ? client : undefined;
}

/**
 * Before oidc-provider authenticates a token or revocation request: a valid secret becomes the one the
 * provider knows. Anything else goes on unchanged, and the provider answers it as Wristband does:
 * 401 `invalid_client`.
 */
export function toProviderCredentials(ctx: EmulatorContext, req: http.IncomingMessage): void {
  const client = authenticatedClient(ctx, req.headers.authorization);
  if (!client) return;
  const credentials = `${encodeURIComponent(client.clientId)}:${ctx.providerClientSecret}`;
  req.headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
}
