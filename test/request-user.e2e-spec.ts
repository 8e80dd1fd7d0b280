import { Controller, Get, Req, Res, UseGuards, type INestApplication } from '@nestjs/common';
import { inspect } from 'node:util';
import { CurrentUser, Public, WristbandGuard, type WristbandUser } from 'nestjs-wristband';
import { request, type CookieJar } from 'nestjs-wristband/testing';
import { itExpressOnly } from './support/http-adapter.js';
import {
  HTTP_ADAPTER,
  login,
  onFastify,
  startModuleApp,
  startStack,
  type TestStack,
} from './support/test-stack.js';

type Req = Record<string, unknown> & { user?: Partial<WristbandUser> };

@Controller('probe')
class ProbeController {
  /** What app code sees after the guard: `req.user` and `@CurrentUser()` are the same user. */
  @Get()
  @UseGuards(WristbandGuard)
  probe(@Req() req: Req, @CurrentUser() user: WristbandUser) {
    return {
      reqUser: req.user?.userId,
      decoratorUser: user.userId,
      same: req.user === user,
      authenticatedBy: user.authenticatedBy,
      // For SessionRevocationService.endSession: the session's random id.
      sessionId: /^[\w-]{32}$/.test(user.sessionId ?? '') ? 'a session id' : user.sessionId,
      // The guard keeps its state off the request object (see request-auth-state.ts).
      ownUserProperty: Object.prototype.hasOwnProperty.call(req, 'user'),
      keysMentionSession: Object.keys(req).some((k) => /session/i.test(k)),
    };
  }

  /** What code that logs or renders `res.locals` (where the guard keeps its state on Express) sees. */
  @Get('locals')
  @UseGuards(WristbandGuard)
  locals(
    @Res({ passthrough: true }) res: { locals: Record<string, unknown> },
    @CurrentUser() user: WristbandUser,
  ) {
    return {
      userId: user.userId,
      logged: inspect(res.locals, { depth: null, showHidden: true }),
      copied: JSON.stringify({ ...res.locals }),
    };
  }

  @Get('claims')
  @UseGuards(WristbandGuard)
  claims(@CurrentUser('claims') claims: Record<string, unknown>) {
    return claims;
  }

  /** App code that tries to change the user: its own fields are per request, roles and claims read-only. */
  @Get('mutate')
  @UseGuards(WristbandGuard)
  mutate(@CurrentUser() user: WristbandUser & { note?: string }) {
    const noteBefore = user.note ?? null;
    user.note = 'set by this request';
    const attempt = (change: () => void) => {
      try {
        change();
        return 'changed';
      } catch {
        return 'refused';
      }
    };
    return {
      noteBefore,
      roles: [...user.roles],
      pushRole: attempt(() => user.roles.push('app:invotastic:owner')),
      setClaim: attempt(() => {
        user.claims.email = 'mallory@evil.test';
      }),
    };
  }

  /** Code that assigns `req.user` itself (passport's `logIn` does) reads back what it assigned. */
  @Public()
  @Get('assign')
  assign(@Req() req: Req) {
    const before = req.user;
    req.user = { userId: 'assigned-by-app' };
    return { before: before ?? null, after: req.user.userId };
  }
}

// With `requestUserAccessor`: on Express `req.user` is an accessor on the app's request prototype; on
// Fastify the option has no effect and the guard assigns `request.user` per request, as by default.
describe(`request.user on ${HTTP_ADAPTER} with requestUserAccessor`, () => {
  let stack: TestStack;
  let app: INestApplication;
  let url: string;
  let jar: CookieJar;

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    const port = stack.reservedPorts[0];
    const testApp = await startModuleApp(stack, port, {
      controllers: [ProbeController],
      wristband: { requestUserAccessor: true },
    });
    ({ url, app } = testApp);
    ({ jar } = await login(stack, testApp));
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it('shows the session user as req.user and @CurrentUser(), without tokens on the request', async () => {
    const alice = stack.emulator.user('alice@acme.test').id;
    for (let i = 0; i < 2; i++) {
      // First request opens the cookie, the second comes from the cache: same answer.
      const res = await request(`${url}/probe`, { jar });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        reqUser: alice,
        decoratorUser: alice,
        same: true,
        authenticatedBy: 'session',
        sessionId: 'a session id',
        ownUserProperty: onFastify,
        keysMentionSession: false,
      });
    }
  });

  // Express only: `res.locals` is Express's. On Fastify the guard's state is in a WeakMap keyed by the
  // request: nothing on the request (see `keysMentionSession` above) or the reply to show.
  itExpressOnly(
    'keeps the session and its tokens out of what logging or rendering res.locals shows',
    async () => {
      const { accessToken } = (await request(`${url}/auth/token`, { jar })).json<{
        accessToken: string;
      }>();
      for (let i = 0; i < 2; i++) {
        const res = await request(`${url}/probe/locals`, { jar });
        expect(res.status).toBe(200);
        const { userId, logged, copied } = res.json<{
          userId: string;
          logged: string;
          copied: string;
        }>();
        expect(userId).toBe(stack.emulator.user('alice@acme.test').id);
        for (const view of [logged, copied]) {
          expect(view).not.toContain(accessToken.split('.')[2]);
          expect(view).not.toMatch(/accessToken|refreshToken|csrfToken/);
        }
      }
    },
  );

  it('gives session users the userinfo claims that have a value, and none sent as null', async () => {
    const res = await request(`${url}/probe/claims`, { jar });
    expect(res.status).toBe(200);
    const claims = res.json<Record<string, unknown>>();
    // The emulator's userinfo, like Wristband's, sends unset profile claims (middle_name, picture…) as null.
    expect(claims).toMatchObject({
      name: 'Alice Anderson',
      email: 'alice@acme.test',
      tnt_name: 'acme',
      custom_claims: { plan: 'enterprise' },
    });
    expect(claims).not.toHaveProperty('middle_name');
    expect(Object.values(claims)).not.toContain(null);
  });

  it('keeps one request from changing the user that later requests with the same credential see', async () => {
    const token = await stack.emulator.mintAccessToken({
      claims: { roles: [{ id: 'r1', name: 'app:invotastic:viewer' }] },
    });
    const cases = [
      { credential: { jar }, roles: ['app:invotastic:admin', 'app:invotastic:billing'] },
      {
        credential: { headers: { authorization: `Bearer ${token}` } },
        roles: ['app:invotastic:viewer'],
      },
    ];
    for (const { credential, roles } of cases) {
      for (let i = 0; i < 3; i++) {
        const answer = (await request(`${url}/probe/mutate`, credential)).json<
          Record<string, unknown>
        >();
        expect(answer).toEqual({
          noteBefore: null,
          roles,
          pushRole: 'refused',
          setClaim: 'refused',
        });
      }
    }
  });

  it('shows the bearer token user the same way', async () => {
    const token = await stack.emulator.mintAccessToken({ claims: { sub: 'api-user-1' } });
    for (let i = 0; i < 2; i++) {
      const res = await request(`${url}/probe`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({
        reqUser: 'api-user-1',
        decoratorUser: 'api-user-1',
        same: true,
        authenticatedBy: 'bearer',
      });
    }
  });

  it('lets app code assign req.user and read it back; nothing leaks between requests', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await request(`${url}/probe/assign`, { jar });
      expect(res.json()).toEqual({ before: null, after: 'assigned-by-app' });
    }
  });
});
