import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Request, Response } from 'express';

/**
 * The context every resolver (and `WristbandGuard`, through `GqlExecutionContext`) sees: the HTTP request
 * and its response. Express's names on Express (`req`, `res`), Fastify's on Fastify (`req`, `reply`).
 * The guard needs the response to set a refreshed session cookie and `Cache-Control: no-store`.
 */
export type GraphqlContext =
  { req: Request; res: Response } | { req: FastifyRequest; reply: FastifyReply };

/**
 * Apollo's context function on both adapters: `@as-integrations/express5` calls it with `{ req, res }`,
 * `@as-integrations/fastify` with `(request, reply)`. Nest's default context keeps only `req`.
 */
export function graphqlContext(
  first: { req: Request; res: Response } | FastifyRequest,
  reply?: FastifyReply,
): GraphqlContext {
  if (reply) return { req: first as FastifyRequest, reply };
  const { req, res } = first as { req: Request; res: Response };
  return { req, res };
}
