/**
 * The login form of the tenant domains (`/interaction/{uid}` and its POST), where oidc-provider hands
 * over when it needs the user (7: devInteractions is off). Consent is implicit, as in Wristband.
 */
import type * as http from 'node:http';
import { OIDC_SCOPES, type EmulatorContext, type OidcInteraction } from './context.js';
import { randomId, readBody, redirect, safeEqual, sendHtml, tenantLabel } from './http.js';
import { errorPage, loginPage } from './pages.js';
import type { SeedTenant } from './seed.js';

export async function handleInteraction(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
): Promise<void> {
  const interaction = await openInteraction(ctx, req, res, uid);
  if (!interaction) return;
  const { details, tenant } = interaction;
  if (details.prompt?.name === 'consent' && details.session?.accountId) {
    // Consent is implicit in Wristband: grant everything, no page.
    const grantId = await ensureGrant(ctx, details, details.session.accountId);
    const returnTo = await ctx.provider.interactionResult(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    redirect(res, returnTo, 303);
    return;
  }
  sendHtml(res, 200, formPage(ctx, uid, tenant, { username: details.params?.login_hint }));
}

export async function handleLoginSubmit(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
): Promise<void> {
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  const interaction = await openInteraction(ctx, req, res, uid);
  if (!interaction) return;
  const { details, tenant } = interaction;
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const user = username ? ctx.directory.findUser(username) : undefined;
  // Compared even for an unknown user, so the answer takes as long either way.
  const passwordOk = safeEqual(password, user?.password ?? `\0${randomId()}`);
  if (!user || !passwordOk || user.tenant !== tenant.name) {
    sendHtml(
      res,
      401,
      formPage(ctx, uid, tenant, { username, error: 'Invalid email or password.' }),
    );
    return;
  }
  const grantId = await ensureGrant(ctx, details, user.id);
  const returnTo = await ctx.provider.interactionResult(
    req,
    res,
    { login: { accountId: user.id, amr: ['pwd'], remember: true }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  redirect(res, returnTo, 303);
}

function formPage(
  ctx: EmulatorContext,
  uid: string,
  tenant: SeedTenant,
  o: { username?: string; error?: string },
): string {
  return loginPage({
    action: `/interaction/${uid}/login`,
    tenantName: tenant.name,
    tenantDisplayName: tenant.displayName,
    appDisplayName: ctx.directory.application.displayName,
    ...o,
  });
}

/** The login interaction `uid` and the tenant whose domain serves it; otherwise answers 400 and returns nothing. */
async function openInteraction(
  ctx: EmulatorContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
): Promise<{ details: OidcInteraction; tenant: SeedTenant } | undefined> {
  const details = await ctx.provider.interactionDetails(req, res).catch(() => undefined);
  if (!details || details.uid !== uid) {
    sendHtml(
      res,
      400,
      errorPage(
        'Login expired',
        'This login request was not found or has expired. Start again from the application.',
      ),
    );
    return undefined;
  }
  const tenant = ctx.directory.findTenant(tenantLabel(req.headers.host) ?? '');
  if (!tenant) {
    sendHtml(res, 400, errorPage('Wrong domain', 'Login is served on tenant domains only.'));
    return undefined;
  }
  return { details, tenant };
}

/** A grant with both the OIDC and the resource scopes, or consent is asked again (7). */
async function ensureGrant(
  ctx: EmulatorContext,
  details: OidcInteraction,
  accountId: string,
): Promise<string> {
  const { Grant } = ctx.provider;
  let grant = details.grantId ? await Grant.find(details.grantId) : undefined;
  if (!grant || grant.accountId !== accountId || grant.clientId !== details.params.client_id) {
    grant = new Grant({ accountId, clientId: details.params.client_id });
  }
  grant.addOIDCScope(OIDC_SCOPES.join(' '));
  grant.addResourceScope(ctx.resource, OIDC_SCOPES.join(' '));
  return grant.save();
}
