/**
 * Nest's `ApolloDriver`, except on Express, where it mounts Apollo with the middleware below instead of
 * loading `@as-integrations/express5`, a package this repository does not install (Apollo Server 5 has no
 * Express integration of its own; on Fastify the driver's own `@as-integrations/fastify` path is used).
 * The middleware is `@as-integrations/express5`'s `expressMiddleware` (MIT, Apollo Graph Inc.) cut to what
 * this app needs. Once that package is a dependency, use `ApolloDriver` and delete this file.
 */
import {
  ApolloServer,
  HeaderMap,
  type ApolloServerOptions,
  type BaseContext,
} from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import type { Application, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Server } from 'node:http';

@Injectable()
export class AppApolloDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const { httpAdapter } = this.httpAdapterHost;
    const path = options.path ?? '/graphql';
    // As Nest's own Express path does: the driver's merged options, plus draining on stop.
    const server = new ApolloServer<BaseContext>({
      ...options,
      plugins: [
        ...(options.plugins ?? []),
        ApolloServerPluginDrainHttpServer({ httpServer: httpAdapter.getHttpServer() as Server }),
      ],
    } as ApolloServerOptions<BaseContext>);
    await server.start();
    const app = httpAdapter.getInstance<Application>();
    app.use(path, expressMiddleware(server, options.context as ExpressContextFunction));
    this.apolloServer = server;
  }
}

type ExpressContextFunction = (arg: { req: Request; res: Response }) => Promise<BaseContext>;

function expressMiddleware(
  server: ApolloServer<BaseContext>,
  context: ExpressContextFunction = () => Promise.resolve({}),
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.url.indexOf('?');
    server
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method.toUpperCase(),
          headers,
          search: query === -1 ? '' : req.url.slice(query),
          // Express's JSON parser leaves the body undefined without a payload; Apollo wants one (a GET has none).
          body: req.body ?? {},
        },
        context: () => context({ req, res }),
      })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.send(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}
