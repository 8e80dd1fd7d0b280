import { All, Controller, Get, Param, UseGuards, type INestApplication } from '@nestjs/common';
import {
  CurrentTenant,
  Public,
  Roles,
  TenantScoped,
  WristbandGuard,
  type CurrentTenantInfo,
} from 'nestjs-wristband';
import { request, type CookieJar } from 'nestjs-wristband/testing';
import { login, startModuleApp, startStack, type TestStack } from './support/test-stack.js';

describe('authorization in the example app: roles and tenant isolation', () => {
  let stack: TestStack;
  let alice: CookieJar; // acme, admin + billing
  let bob: CookieJar; // acme, viewer
  let carol: CookieJar; // globex, admin
  let acmeId: string;
  let globexId: string;

  beforeAll(async () => {
    stack = await startStack();
    ({ jar: alice } = await login(stack, stack.app, { username: 'alice@acme.test' }));
    ({ jar: bob } = await login(stack, stack.app, { username: 'bob@acme.test' }));
    ({ jar: carol } = await login(stack, stack.app, {
      tenant: 'globex',
      username: 'carol@globex.test',
    }));
    acmeId = stack.emulator.tenant('acme').id;
    globexId = stack.emulator.tenant('globex').id;
  });
  afterAll(async () => {
    await stack?.close();
  });
  const get = (path: string, jar?: CookieJar, headers?: Record<string, string>) =>
    request(`${stack.app.url}${path}`, { jar, headers });

  it('/api/admin/stats: admin 200, other roles 403 insufficient_role, anonymous 401', async () => {
    expect((await get('/api/admin/stats', alice)).json()).toMatchObject({ tenantId: acmeId });
    const denied = await get('/api/admin/stats', bob);
    expect(denied.status).toBe(403);
    expect(denied.json()).toMatchObject({ reason: 'insufficient_role' });
    expect((await get('/api/admin/stats')).status).toBe(401);
    expect((await get('/api/admin/stats', carol)).json()).toMatchObject({ tenantId: globexId });
  });

  it('bearer tokens: roles from the token when present; without a roles claim, no roles', async () => {
    const withRoles = await stack.emulator.mintAccessToken({
      claims: { roles: [{ id: 'r1', name: 'app:invotastic:admin', display_name: 'Admin' }] },
    });
    expect(
      (await get('/api/admin/stats', undefined, { authorization: `Bearer ${withRoles}` })).status,
    ).toBe(200);
    const noRoles = await stack.emulator.mintAccessToken({ omit: ['roles'] });
    const res = await get('/api/admin/stats', undefined, { authorization: `Bearer ${noRoles}` });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ reason: 'insufficient_role' });
  });

  it('/api/tenants/:tenantId/projects: only the own tenant, for sessions and bearer tokens', async () => {
    const own = await get(`/api/tenants/${acmeId}/projects`, alice);
    expect(own.status).toBe(200);
    expect(own.json()).toEqual({
      tenantId: acmeId,
      projects: [
        { id: `${acmeId}-p1`, tenantId: acmeId, name: 'Onboarding' },
        { id: `${acmeId}-p2`, tenantId: acmeId, name: 'Quarterly billing' },
      ],
    });
    const other = await get(`/api/tenants/${globexId}/projects`, alice);
    expect(other.status).toBe(403);
    expect(other.json()).toMatchObject({ reason: 'tenant_mismatch' });
    expect((await get(`/api/tenants/${acmeId}/projects`)).status).toBe(401);

    const acmeToken = await stack.emulator.mintAccessToken({ claims: { tnt_id: acmeId } });
    expect(
      (
        await get(`/api/tenants/${acmeId}/projects`, undefined, {
          authorization: `Bearer ${acmeToken}`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await get(`/api/tenants/${globexId}/projects`, undefined, {
          authorization: `Bearer ${acmeToken}`,
        })
      ).status,
    ).toBe(403);
  });

  it.each([
    ['upper case', (id: string) => id.toUpperCase()],
    [
      'double-encoded first character',
      (id: string) => `%25${id.charCodeAt(0).toString(16)}${id.slice(1)}`,
    ],
    ['trailing encoded NUL', (id: string) => `${id}%00`],
    ['trailing encoded space', (id: string) => `${id}%20`],
    ['encoded slash', (id: string) => `${id}%2F..%2F${id}`],
  ])('a tenant id that differs by %s is a mismatch', async (_name, mutate) => {
    const res = await get(`/api/tenants/${mutate(acmeId)}/projects`, alice);
    expect(res.status).toBe(403);
  });

  it('a percent-encoded spelling of the very same id is the same tenant (decoded once)', async () => {
    const encoded = `%${acmeId.charCodeAt(0).toString(16)}${acmeId.slice(1)}`;
    expect((await get(`/api/tenants/${encoded}/projects`, alice)).status).toBe(200);
  });

  it('a user of acme never reads globex data through any route of the example app', async () => {
    const acmeRoutes = ['/api/me', '/api/admin/stats', '/auth/session'];
    for (const path of acmeRoutes) {
      const res = await get(path, alice);
      expect(res.status).toBe(200);
      const body = res.text;
      expect(body).toContain(acmeId);
      expect(body).not.toContain(globexId);
      expect(body).not.toContain('globex');
    }
    for (const path of [`/api/tenants/${globexId}/projects`, `/api/tenants/globex/projects`]) {
      expect((await get(path, alice)).status).toBe(403);
    }
    const session = (await get('/auth/session', alice)).json<{ csrfToken: string }>();
    const post = await request(`${stack.app.url}/api/tenants/${globexId}/projects`, {
      method: 'POST',
      jar: alice,
      headers: { 'x-csrf-token': session.csrfToken },
      body: { name: 'x' },
    });
    expect(post.status).toBe(403);
    // And nothing from the request can claim another tenant: a forged header or query changes nothing.
    const me = await get(`/api/me?tenantId=${globexId}`, alice, { 'x-tenant-id': globexId });
    expect(me.json()).toMatchObject({ tenantId: acmeId });
  });
});

@Controller('t')
class ScopedController {
  @Get('public')
  @Public()
  open() {
    return { open: true };
  }

  @Get('anyone')
  anyone(@CurrentTenant() tenant: CurrentTenantInfo) {
    return tenant;
  }

  @Get('header')
  @TenantScoped({ header: 'X-Tenant-Id' })
  header() {
    return { ok: true };
  }

  @Get('query')
  @TenantScoped({ query: 'tenant', match: 'name' })
  query() {
    return { ok: true };
  }

  @Get('param/:name')
  @TenantScoped({ param: 'name', match: 'name' })
  param(@Param('name') name: string) {
    return { name };
  }

  @Get('all')
  @Roles(['admin', 'billing'], { mode: 'all' })
  all() {
    return { ok: true };
  }

  @Get('full')
  @Roles('app:invotastic:billing')
  full() {
    return { ok: true };
  }

  @Get('explicit')
  @UseGuards(WristbandGuard)
  explicit() {
    return { ok: true };
  }

  @All('any-method')
  anyMethod() {
    return { ok: true };
  }
}

describe('default-deny with globalGuard, header/query/param scoping, role modes', () => {
  let stack: TestStack;
  let app: INestApplication;
  let url: string;
  let alice: CookieJar;
  let bob: CookieJar;

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    const port = stack.reservedPorts[0];
    const testApp = await startModuleApp(stack, port, {
      controllers: [ScopedController],
      wristband: { globalGuard: true },
    });
    ({ url, app } = testApp);
    ({ jar: alice } = await login(stack, testApp, { username: 'alice@acme.test' }));
    ({ jar: bob } = await login(stack, testApp, { username: 'bob@acme.test' }));
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });
  const get = (path: string, jar?: CookieJar, headers?: Record<string, string>) =>
    request(`${url}${path}`, { jar, headers });

  it('every route is guarded unless @Public(); the auth routes stay reachable', async () => {
    expect((await get('/t/public')).status).toBe(200);
    const anon = await get('/t/anyone');
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer realm="wristband"');
    expect((await get('/auth/login?tenant_name=acme')).status).toBe(302);
    expect((await get('/auth/logout')).status).toBe(302);
    expect((await get('/t/anyone', alice)).json()).toEqual({
      tenantId: stack.emulator.tenant('acme').id,
      tenantName: 'acme',
    });
    expect((await get('/t/explicit', alice)).status).toBe(200);
  });

  it('header scoping (header names are case-insensitive, values exact)', async () => {
    const acmeId = stack.emulator.tenant('acme').id;
    expect((await get('/t/header', alice, { 'x-tenant-id': acmeId })).status).toBe(200);
    expect(
      (await get('/t/header', alice, { 'x-tenant-id': stack.emulator.tenant('globex').id })).json(),
    ).toMatchObject({ reason: 'tenant_mismatch' });
    expect((await get('/t/header', alice, { 'x-tenant-id': acmeId.toUpperCase() })).status).toBe(
      403,
    );
    expect((await get('/t/header', alice)).status).toBe(403);
  });

  it('query and param scoping by tenant name', async () => {
    expect((await get('/t/query?tenant=acme', alice)).status).toBe(200);
    expect((await get('/t/query?tenant=ACME', alice)).status).toBe(403);
    expect((await get('/t/query?tenant=globex', alice)).status).toBe(403);
    expect((await get('/t/query?tenant=acme&tenant=globex', alice)).status).toBe(403);
    expect((await get('/t/param/acme', alice)).status).toBe(200);
    expect((await get('/t/param/acm%65', alice)).status).toBe(200);
    expect((await get('/t/param/acme%20', alice)).status).toBe(403);
    expect((await get('/t/param/globex', alice)).status).toBe(403);
  });

  it('CSRF by the request method, also on a handler routed for every method and for a known session', async () => {
    // The session is cached after these GETs: the guard's fast path must still tell safe from unsafe.
    expect((await get('/t/any-method', alice)).status).toBe(200);
    expect((await request(`${url}/t/anyone`, { method: 'HEAD', jar: alice })).status).toBe(200);
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH']) {
      const refused = await request(`${url}/t/any-method`, { method, jar: alice });
      expect(refused.status).toBe(403);
      expect(refused.json()).toMatchObject({ reason: 'csrf_failed' });
    }
    const { csrfToken } = (await get('/auth/session', alice)).json<{ csrfToken: string }>();
    expect(
      (
        await request(`${url}/t/any-method`, {
          method: 'POST',
          jar: alice,
          headers: { 'x-csrf-token': csrfToken },
        })
      ).status,
    ).toBe(200);
  });

  it('roles: all-mode and full names', async () => {
    expect((await get('/t/all', alice)).status).toBe(200);
    expect((await get('/t/all', bob)).json()).toMatchObject({ reason: 'insufficient_role' });
    expect((await get('/t/full', alice)).status).toBe(200);
    expect((await get('/t/full', bob)).status).toBe(403);
  });
});
