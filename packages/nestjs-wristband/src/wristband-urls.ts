import type { ResolvedWristbandOptions } from './interfaces/resolved-options.interface.js';

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A tenant name is one DNS label; lower-cased, since DNS is case-insensitive. `undefined` when invalid. */
export function normalizeTenantName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.toLowerCase();
  return DNS_LABEL.test(name) ? name : undefined;
}

/** A tenant custom domain is used only when configuration lists it; nothing from a request picks a foreign host. */
export function allowedTenantCustomDomain(
  o: ResolvedWristbandOptions,
  value: unknown,
): string | undefined {
  if (typeof value !== 'string') return undefined;
  const domain = value.toLowerCase();
  return o.allowedTenantCustomDomains.includes(domain) ? domain : undefined;
}

export function tenantHost(
  o: ResolvedWristbandOptions,
  tenantName: string,
  tenantCustomDomain?: string,
): string {
  if (tenantCustomDomain) return tenantCustomDomain;
  const separator = o.isApplicationCustomDomainActive ? '.' : '-';
  return `${tenantName}${separator}${o.applicationVanityDomain}`;
}

function scheme(o: ResolvedWristbandOptions): string {
  return o.dangerouslyAllowHttp ? 'http' : 'https';
}

export interface AuthorizeParams {
  tenantName: string;
  tenantCustomDomain?: string;
  state: string;
  codeChallenge: string;
  nonce: string;
  loginHint?: string;
}

export function authorizeUrl(o: ResolvedWristbandOptions, p: AuthorizeParams): string {
  const url = new URL(
    `${scheme(o)}://${tenantHost(o, p.tenantName, p.tenantCustomDomain)}/api/v1/oauth2/authorize`,
  );
  const q = url.searchParams;
  q.set('client_id', o.clientId);
  q.set('redirect_uri', o.callbackUrl);
  q.set('response_type', 'code');
  q.set('state', p.state);
  q.set('scope', o.scopes.join(' '));
  q.set('code_challenge', p.codeChallenge);
  q.set('code_challenge_method', 'S256');
  q.set('nonce', p.nonce);
  if (p.loginHint) q.set('login_hint', p.loginHint);
  return url.toString();
}

/** Wristband's application-level login page, where a user names their tenant. */
export function applicationLoginPageUrl(o: ResolvedWristbandOptions): string {
  const url = new URL(`${o.wristbandBaseUrl}/login`);
  url.searchParams.set('client_id', o.clientId);
  return url.toString();
}

export function logoutUrl(
  o: ResolvedWristbandOptions,
  tenant: { tenantName?: string; tenantCustomDomain?: string },
  redirectUrl?: string,
): string {
  const host = tenant.tenantName
    ? tenantHost(o, tenant.tenantName, tenant.tenantCustomDomain)
    : o.applicationVanityDomain;
  const url = new URL(`${scheme(o)}://${host}/api/v1/logout`);
  url.searchParams.set('client_id', o.clientId);
  if (redirectUrl) url.searchParams.set('redirect_url', redirectUrl);
  return url.toString();
}

/** The app's own login URL for a tenant, used to send the browser back to a fresh login. */
export function appLoginUrl(
  o: ResolvedWristbandOptions,
  tenantName?: string,
  tenantCustomDomain?: string,
  restarted = false,
): string {
  const url = new URL(o.loginUrl);
  if (tenantName) url.searchParams.set('tenant_name', tenantName);
  if (tenantCustomDomain) url.searchParams.set('tenant_custom_domain', tenantCustomDomain);
  if (restarted) url.searchParams.set('restarted', '1');
  return url.toString();
}
