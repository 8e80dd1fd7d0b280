import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { ExternalContextCreator, NestFactory } from '@nestjs/core';
import { Public } from '../decorators/public.decorator.js';
import { UnsupportedContextError } from '../errors/wristband.errors.js';
import { WristbandModule } from '../wristband.module.js';

/** Handlers as a GraphQL resolver, a WebSocket gateway or a microservice controller would declare them. */
@Injectable()
class Handlers {
  @Public()
  status(): string {
    return 'public answer';
  }

  secret(): string {
    return 'protected answer';
  }
}

@Module({
  imports: [
    WristbandModule.forRoot({
      applicationVanityDomain: 'auth.example.com',
      clientId: 'client',
      clientSecret: 'client-secret-0123456789',
      callbackUrl: 'https://app.example.com/auth/callback',
      loginUrl: 'https://app.example.com/auth/login',
      sessionSecrets: ['s'.repeat(40)],
      globalGuard: true,
    }),
  ],
  providers: [Handlers],
})
class NonHttpApp {}

/**
 * Outside HTTP, Nest's transports (`@nestjs/graphql`, `@nestjs/websockets`, `@nestjs/microservices`) run a
 * handler through `ExternalContextCreator`, which applies the global guards with the transport's context
 * type. None of those packages is installed here, so the test drives that same Nest code directly.
 */
describe('WristbandGuard as the global guard of non-HTTP handlers', () => {
  let app: INestApplicationContext;
  let handlers: Handlers;
  let contexts: ExternalContextCreator;

  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(NonHttpApp, {
      logger: false,
      abortOnError: false,
    });
    handlers = app.get(Handlers);
    contexts = app.get(ExternalContextCreator);
  });
  afterAll(async () => {
    await app?.close();
  });

  const wrapped = (method: 'status' | 'secret', type: string) =>
    contexts.create(
      handlers,
      // eslint-disable-next-line @typescript-eslint/unbound-method -- Nest calls the handler on `handlers`, as for a controller
      handlers[method],
      method,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      type,
    ) as (...args: unknown[]) => Promise<unknown>;

  it.each(['rpc', 'ws', 'graphql'])('runs a @Public() handler in a %s context', async (type) => {
    await expect(wrapped('status', type)({ payload: 1 }, {})).resolves.toBe('public answer');
  });

  it.each(['rpc', 'ws'])(
    'refuses a protected handler in a %s context with an error naming the context',
    async (type) => {
      const call = wrapped('secret', type)({ payload: 1 }, {});
      await expect(call).rejects.toBeInstanceOf(UnsupportedContextError);
      await expect(call).rejects.toMatchObject({
        code: 'unsupported_context',
        contextType: type,
        message: expect.stringContaining(`"${type}" context`),
      });
    },
  );

  it('answers a resolver whose GraphQL context lacks the HTTP request with a GraphQL error saying what to put there', async () => {
    // GraphQL arguments: root, args, context, info. The exception filter turns the refusal into the
    // error GraphQL reports (it becomes the field's error), never a thrown stack trace.
    const answer = await wrapped('secret', 'graphql')(
      {},
      {},
      {},
      { operation: { operation: 'query' } },
    );
    expect(answer).toBeInstanceOf(Error);
    expect(answer).toMatchObject({
      extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'unsupported_context' },
      message: expect.stringContaining('`req`'),
    });
    expect((answer as Error).stack).not.toMatch(/\n\s+at /);
  });
});
