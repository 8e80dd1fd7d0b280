import 'reflect-metadata';
import {
  Injectable,
  Module,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type LoggerService,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { tap, type Observable } from 'rxjs';
import {
  LoginRestartError,
  WristbandCallbackGuard,
  WristbandLoginGuard,
  WristbandModule,
} from 'nestjs-wristband';
import { CookieJar, request } from 'nestjs-wristband/testing';
import {
  CLIENT_ID,
  PASSWORD,
  moduleOptions,
  startStack,
  type TestApp,
  type TestStack,
} from './support/test-stack.js';
import { createTestHttpApp } from './support/http-adapter.js';

/** How each request's interceptor observable ended, in order: what a logging or tracing interceptor sees. */
type Ending = `${string} ${'complete' | 'error'}`;

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  readonly endings: Ending[] = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const path = (context.switchToHttp().getRequest<IncomingMessage>().url ?? '').split('?')[0];
    return next.handle().pipe(
      tap({
        complete: () => this.endings.push(`${path} complete`),
        error: () => this.endings.push(`${path} error`),
      }),
    );
  }
}

/** Every error Nest logs (an exception filter writing to an answered response would land here). */
class RecordingLogger implements LoggerService {
  readonly errors: unknown[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    this.errors.push(message);
  }
}

type Settlement = 'pending' | 'resolved' | 'rejected';

/**
 * Records how each call of the real guard's `canActivate` settles, calling straight through, the way a
 * tracing library wraps a guard: one entry per request.
 */
function recordSettlements(guard: CanActivate): { outcomes: Settlement[]; errors: unknown[] } {
  const outcomes: Settlement[] = [];
  const errors: unknown[] = [];
  const original = guard.canActivate.bind(guard);
  guard.canActivate = (context: ExecutionContext) => {
    const index = outcomes.push('pending') - 1;
    const result = Promise.resolve(original(context) as Promise<boolean>);
    result.then(
      () => (outcomes[index] = 'resolved'),
      (err: unknown) => {
        outcomes[index] = 'rejected';
        errors.push(err);
      },
    );
    return result;
  };
  return { outcomes, errors };
}

/** Polls until `ready()` holds (the request's promise chain ends a few ticks after the client got its answer). */
async function eventually(ready: () => boolean, timeoutMs = 1500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('the login and callback legs settle exactly once, also when they redirect', () => {
  let stack: TestStack;
  let app: TestApp;
  let interceptor: RecordingInterceptor;
  let logger: RecordingLogger;
  let login: { outcomes: Settlement[]; errors: unknown[] };
  let callback: { outcomes: Settlement[]; errors: unknown[] };

  beforeAll(async () => {
    stack = await startStack({ reservePorts: 1 });
    const port = stack.reservedPorts[0];
    const url = `http://localhost:${port}`;
    interceptor = new RecordingInterceptor();
    @Module({
      imports: [WristbandModule.forRoot(moduleOptions(stack, url))],
      providers: [{ provide: APP_INTERCEPTOR, useValue: interceptor }],
    })
    class InterceptedApp {}
    logger = new RecordingLogger();
    const nest = await createTestHttpApp(InterceptedApp, { logger });
    login = recordSettlements(nest.get(WristbandLoginGuard));
    callback = recordSettlements(nest.get(WristbandCallbackGuard));
    await nest.listen(port, '127.0.0.1');
    app = { url, port, app: nest, close: () => nest.close() };
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });
  beforeEach(() => {
    interceptor.endings.length = 0;
    logger.errors.length = 0;
    login.outcomes.length = 0;
    login.errors.length = 0;
    callback.outcomes.length = 0;
    callback.errors.length = 0;
  });

  it('/auth/login with a tenant: 302 to Wristband, the guard resolves once and the interceptor completes once', async () => {
    const res = await request(`${app.url}/auth/login?tenant_name=acme`);
    expect(res.status).toBe(302);
    expect(new URL(res.location!).host).toBe(`acme.${stack.emulator.vanityDomain}`);
    expect(res.headers['set-cookie']!.filter((c) => c.startsWith('wb_login_'))).toHaveLength(1);
    await eventually(() => interceptor.endings.length === 1 && login.outcomes[0] !== 'pending');
    expect(login.outcomes).toEqual(['resolved']);
    expect(interceptor.endings).toEqual(['/auth/login complete']);
    expect(logger.errors).toEqual([]);
  });

  it('/auth/login without a tenant: 302 to the application login page, settled once', async () => {
    const res = await request(`${app.url}/auth/login`);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${stack.emulator.url}/login?client_id=${CLIENT_ID}`);
    await eventually(() => interceptor.endings.length === 1 && login.outcomes[0] !== 'pending');
    expect(login.outcomes).toEqual(['resolved']);
    expect(interceptor.endings).toEqual(['/auth/login complete']);
    expect(logger.errors).toEqual([]);
  });

  it('a refused login (bad tenant_name): 400, the guard rejects once, the route never runs', async () => {
    const res = await request(`${app.url}/auth/login?tenant_name=evil.com`);
    expect(res.status).toBe(400);
    await eventually(() => login.outcomes[0] !== 'pending');
    expect(login.outcomes).toEqual(['rejected']);
    // Guards run before interceptors in Nest: a refused request never reaches them.
    expect(interceptor.endings).toEqual([]);
    expect(logger.errors).toEqual([]);
  });

  it('a completed callback: 302 to the return URL, both legs settled once', async () => {
    const jar = new CookieJar();
    const start = await request(`${app.url}/auth/login?tenant_name=acme&return_url=/after`, {
      jar,
    });
    const callbackUrl = await stack.emulator.authorizeViaForm(
      start.location!,
      { username: 'alice@acme.test', password: PASSWORD },
      jar,
    );
    const res = await request(callbackUrl, { jar });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${app.url}/after`);
    await eventually(() => interceptor.endings.length === 2 && callback.outcomes[0] !== 'pending');
    expect(login.outcomes).toEqual(['resolved']);
    expect(callback.outcomes).toEqual(['resolved']);
    expect(interceptor.endings).toEqual(['/auth/login complete', '/auth/callback complete']);
    expect(logger.errors).toEqual([]);
  });

  it('a callback that sends the browser back to the login (lost login state): the guard rejects once', async () => {
    const jar = new CookieJar();
    const start = await request(`${app.url}/auth/login?tenant_name=acme`, { jar });
    const callbackUrl = await stack.emulator.authorizeViaForm(
      start.location!,
      { username: 'alice@acme.test', password: PASSWORD },
      jar,
    );
    const res = await request(callbackUrl, { jar: new CookieJar() });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${app.url}/auth/login?tenant_name=acme&restarted=1`);
    await eventually(() => callback.outcomes[0] !== 'pending');
    expect(callback.outcomes).toEqual(['rejected']);
    expect(callback.errors).toHaveLength(1);
    expect(callback.errors[0]).toBeInstanceOf(LoginRestartError);
    expect(callback.errors[0]).toMatchObject({ code: 'login_state_missing' });
    expect(interceptor.endings).toEqual(['/auth/login complete']);
    expect(logger.errors).toEqual([]);
  });
});
