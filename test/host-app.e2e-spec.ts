import 'reflect-metadata';
import {
  Catch,
  Controller,
  createParamDecorator,
  ForbiddenException,
  Get,
  HttpException,
  Injectable,
  NotFoundException,
  Post,
  Req,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import express from 'express';
import { IncomingMessage, type Server } from 'node:http';
import { Strategy as LocalStrategyBase } from 'passport-local';
import {
  CurrentUser,
  WristbandError,
  WristbandExceptionFilter,
  WristbandGuard,
  type WristbandUser,
} from 'nestjs-wristband';
import { request, type CookieJar } from 'nestjs-wristband/testing';
import { itExpressOnly } from './support/http-adapter.js';
import {
  login,
  startModuleApp,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';

// The module inside an app that has its own authentication and its own exception filters: it must
// change nothing outside the routes it guards.

const LOCAL_PASSWORD = 'local-password';

interface LocalUser {
  id: string;
  strategy: 'local';
}

/** The app's own username/password strategy, on its own routes. */
@Injectable()
class LocalStrategy extends PassportStrategy(LocalStrategyBase, 'local') {
  validate(username: string, password: string): LocalUser | null {
    return password === LOCAL_PASSWORD ? { id: `local:${username}`, strategy: 'local' } : null;
  }
}

/** The app's own decorator for `req.user`, as apps with Passport commonly write it. */
const RequestUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext) =>
    ctx.switchToHttp().getRequest<{ user?: unknown }>().user,
);

type AppRequest = Record<string, unknown> & { user?: unknown; isAuthenticated(): boolean };

/** JSON has no `undefined`: say it. */
const shown = (value: unknown) => (value === undefined ? 'undefined' : value);

@Controller('host')
class HostController {
  @Post('local')
  @UseGuards(AuthGuard('local'))
  local(@Req() req: AppRequest, @RequestUser() decorated: unknown) {
    return { reqUser: req.user, decorated, isAuthenticated: req.isAuthenticated() };
  }

  /** What app code does with `req.user`: passport's `logout()` assigns `null`; some code deletes it. */
  @Post('local/forget')
  @UseGuards(AuthGuard('local'))
  forget(@Req() req: AppRequest) {
    const ownProperty = Object.prototype.hasOwnProperty.call(req, 'user');
    req.user = null;
    const afterNull = shown(req.user);
    delete req.user;
    return { ownProperty, afterNull, afterDelete: shown(req.user), userInRequest: 'user' in req };
  }

  @Get('wristband')
  @UseGuards(WristbandGuard)
  wristband(
    @Req() req: AppRequest,
    @CurrentUser() current: WristbandUser,
    @RequestUser() decorated: WristbandUser,
  ) {
    return {
      reqUser: (req.user as WristbandUser).userId,
      current: current.userId,
      decorated: decorated.userId,
      same: req.user === current,
    };
  }

  @Get('open')
  open(@Req() req: AppRequest, @RequestUser() decorated: unknown, @CurrentUser() current: unknown) {
    return {
      reqUser: shown(req.user),
      decorated: shown(decorated),
      current: shown(current),
      isAuthenticated: req.isAuthenticated?.() ?? 'no passport',
    };
  }
}

describe.each([
  ['default', false],
  ['requestUserAccessor', true],
] as const)('another Passport strategy in the same app (%s)', (_mode, requestUserAccessor) => {
  let stack: TestStack;
  let app: TestApp;
  let jar: CookieJar;

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    app = await startModuleApp(stack, stack.reservedPorts[0], {
      controllers: [HostController],
      imports: [PassportModule],
      providers: [LocalStrategy],
      wristband: { requestUserAccessor },
    });
    ({ jar } = await login(stack, app));
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  const localLogin = (path = '/host/local', password = LOCAL_PASSWORD) =>
    request(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password }),
    });

  it("keeps the other strategy's req.user: in the handler, in its own decorator, for passport's isAuthenticated()", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await localLogin();
      expect(res.status).toBe(201);
      expect(res.json()).toEqual({
        reqUser: { id: 'local:carol', strategy: 'local' },
        decorated: { id: 'local:carol', strategy: 'local' },
        isAuthenticated: true,
      });
    }
    expect((await localLogin('/host/local', 'wrong')).status).toBe(401);
  });

  it('still gives WristbandGuard routes the Wristband user, in the same app, between requests of the other strategy', async () => {
    const alice = stack.emulator.user('alice@acme.test').id;
    for (let i = 0; i < 2; i++) {
      await localLogin();
      const res = await request(`${app.url}/host/wristband`, { jar });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ reqUser: alice, current: alice, decorated: alice, same: true });
    }
  });

  it('leaves req.user undefined on a route with no guard, even with a Wristband session cookie', async () => {
    for (const credential of [{}, { jar }]) {
      const res = await request(`${app.url}/host/open`, credential);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        reqUser: 'undefined',
        decorated: 'undefined',
        current: 'undefined',
        isAuthenticated: 'no passport',
      });
    }
  });

  // Express only: `requestUserAccessor` defines `user` on the Express app's request prototype; on Fastify
  // the option does nothing (`req.user` is assigned per request, the default the other tests cover).
  itExpressOnly(
    "patches no prototype beyond this app's own: a second Express app in the process has no req.user",
    async () => {
      const nestRequestPrototype = (app.app.getHttpAdapter().getInstance() as { request: object })
        .request;
      // The opt-in accessor lives on this app's own request prototype, and nowhere else.
      expect(Object.getOwnPropertyDescriptor(nestRequestPrototype, 'user') !== undefined).toBe(
        requestUserAccessor,
      );
      expect(Object.getOwnPropertyDescriptor(express.request, 'user')).toBeUndefined();
      expect(Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'user')).toBeUndefined();

      const other = express();
      expect(
        Object.getOwnPropertyDescriptor((other as unknown as { request: object }).request, 'user'),
      ).toBeUndefined();
      other.get('/', (req, res) => {
        const seen = req as unknown as AppRequest;
        res.json({ reqUser: shown(seen.user), userInRequest: 'user' in seen });
      });
      const server = await new Promise<Server>((resolve) => {
        const s = other.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const { port } = server.address() as { port: number };
        const res = await request(`http://127.0.0.1:${port}/`);
        expect(res.json()).toEqual({ reqUser: 'undefined', userInRequest: false });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});

describe('req.user stays a plain property by default', () => {
  let stack: TestStack;
  let app: TestApp;

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    app = await startModuleApp(stack, stack.reservedPorts[0], {
      controllers: [HostController],
      imports: [PassportModule],
      providers: [LocalStrategy],
    });
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it('reads back null after passport-style logout, and nothing after delete', async () => {
    const res = await request(`${app.url}/host/local/forget`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password: LOCAL_PASSWORD }),
    });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({
      ownProperty: true,
      afterNull: null,
      afterDelete: 'undefined',
      userInRequest: false,
    });
  });
});

// --- The app's own exception filters -----------------------------------------------------------

class TeapotError extends Error {}

/** `status(code).send(object)`: JSON on Express's response and on Fastify's reply alike. */
function reply(host: ArgumentsHost, status: number, body: object): void {
  host
    .switchToHttp()
    .getResponse<{ status(code: number): { send(body: object): unknown } }>()
    .status(status)
    .send(body);
}

@Catch(HttpException)
class AppHttpExceptionFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    reply(host, exception.getStatus(), {
      handledBy: 'app HttpException filter',
      message: exception.message,
    });
  }
}

/** A catch-all as apps write them (logging, error reporting), handing Wristband's errors over as the README shows. */
@Catch()
class AppCatchAllFilter implements ExceptionFilter {
  constructor(private readonly wristband: WristbandExceptionFilter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof WristbandError) {
      this.wristband.catch(exception, host);
      return;
    }
    reply(host, 500, {
      handledBy: 'app catch-all filter',
      error: exception instanceof Error ? exception.name : typeof exception,
    });
  }
}

@Catch(TeapotError)
class TeapotFilter implements ExceptionFilter {
  catch(_exception: TeapotError, host: ArgumentsHost): void {
    reply(host, 418, { handledBy: 'controller filter' });
  }
}

@Controller('errors')
@UseFilters(TeapotFilter)
class ErrorsController {
  @Get('not-found')
  notFound() {
    throw new NotFoundException('No such project');
  }

  @Get('crash')
  crash() {
    throw new Error('boom');
  }

  @Get('teapot')
  teapot() {
    throw new TeapotError('short and stout');
  }

  @Get('guarded-forbidden')
  @UseGuards(WristbandGuard)
  guardedForbidden() {
    throw new ForbiddenException('Not your project');
  }
}

describe.each(['useGlobalFilters', 'APP_FILTER'] as const)(
  "the app's exception filters registered with %s",
  (registration) => {
    let stack: TestStack;
    let app: TestApp;
    let jar: CookieJar;

    beforeAll(async () => {
      stack = await startStack({ reservePorts: 1 });
      app = await startModuleApp(stack, stack.reservedPorts[0], {
        controllers: [ErrorsController],
        // Nest asks the global filter registered last first.
        providers:
          registration === 'APP_FILTER'
            ? [
                { provide: APP_FILTER, useClass: AppCatchAllFilter },
                { provide: APP_FILTER, useClass: AppHttpExceptionFilter },
              ]
            : [],
        configure: (nest: INestApplication) => {
          if (registration === 'useGlobalFilters') {
            nest.useGlobalFilters(
              new AppCatchAllFilter(nest.get(WristbandExceptionFilter)),
              new AppHttpExceptionFilter(),
            );
          }
        },
      });
      ({ jar } = await login(stack, app));
    });
    afterAll(async () => {
      await app?.close();
      await stack?.close();
    });

    it.each([
      [
        '/errors/not-found',
        404,
        { handledBy: 'app HttpException filter', message: 'No such project' },
      ],
      ['/errors/crash', 500, { handledBy: 'app catch-all filter', error: 'Error' }],
      ['/errors/teapot', 418, { handledBy: 'controller filter' }],
      [
        '/errors/guarded-forbidden',
        403,
        { handledBy: 'app HttpException filter', message: 'Not your project' },
      ],
    ])('%s is answered by the app: %i', async (path, status, body) => {
      const res = await request(`${app.url}${path}`, { jar });
      expect(res.status).toBe(status);
      expect(res.json()).toEqual(body);
    });

    it("Wristband's own errors keep their answer: 401 with WWW-Authenticate", async () => {
      const res = await request(`${app.url}/errors/guarded-forbidden`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="wristband"');
      expect(res.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        reason: 'session_required',
        message: 'Log in first',
      });
    });
  },
);
