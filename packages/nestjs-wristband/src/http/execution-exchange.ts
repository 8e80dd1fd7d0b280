import { GraphQLContextError } from '../errors/wristband.errors.js';
import {
  rawRequestOf,
  responseHeadersOf,
  type RawRequest,
  type RawResponse,
} from './http-exchange.js';

/** What the guard and the decorators need of an execution context (Nest's `ExecutionContext`). */
export interface ContextArgs {
  getType<T extends string = string>(): T;
  getArgByIndex<T = unknown>(index: number): T;
}

/** One request as the module sees it, whether a REST route or a GraphQL resolver handles it. */
export interface Exchange {
  /** Node's request: headers, method, URL. */
  readonly req: RawRequest;
  /** Where cookies and `Cache-Control` are written. */
  readonly res: RawResponse;
  /** The request as handlers get it (`@Req()`, GraphQL's `context.req`): `request.user` is set here. */
  readonly request: object;
  /** The response as handlers get it (Express's `res.locals` keeps the request's auth state). */
  readonly response: unknown;
}

/**
 * The exchange of an HTTP route or a GraphQL resolver. A resolver's context must carry the request
 * (`req`, Nest's default) and the response (`res` on Express, `reply` on Fastify), so that refreshed
 * session cookies and `Cache-Control` reach the client: Express's request also links its response.
 */
export function exchangeOf(context: ContextArgs): Exchange {
  if (context.getType() === 'graphql') return graphqlExchange(context);
  const request = context.getArgByIndex<object>(0);
  return new HttpExchange(rawRequestOf(request), request, context.getArgByIndex<unknown>(1));
}

/** `res` is made on first use: most guarded requests write no header through it. */
class HttpExchange implements Exchange {
  #res: RawResponse | undefined;

  constructor(
    readonly req: RawRequest,
    readonly request: object,
    readonly response: unknown,
  ) {}

  get res(): RawResponse {
    return (this.#res ??= responseHeadersOf(this.response));
  }
}

/** The framework request and response a GraphQL context holds, if it holds them. */
export function graphqlRequestAndResponse(
  context: ContextArgs,
): { request: object; response: unknown } | undefined {
  const gqlContext = context.getArgByIndex<GraphQLContext | undefined>(2);
  const request = gqlContext?.req ?? gqlContext?.request;
  if (typeof request !== 'object' || request === null) return undefined;
  const response =
    gqlContext?.res ?? gqlContext?.reply ?? (request as { res?: unknown }).res ?? undefined;
  return response === undefined ? undefined : { request, response };
}

function graphqlExchange(context: ContextArgs): Exchange {
  const found = graphqlRequestAndResponse(context);
  if (!found) throw new GraphQLContextError();
  return {
    req: rawRequestOf(found.request),
    res: responseHeadersOf(found.response),
    request: found.request,
    response: found.response,
  };
}

/** The operation a GraphQL resolver runs in: `query` reads, `mutation` writes (CSRF applies). */
export function graphqlOperation(context: ContextArgs): string | undefined {
  return context.getArgByIndex<GraphQLInfo | undefined>(3)?.operation?.operation;
}

/** The field's arguments in a GraphQL resolver. */
export function graphqlArgs(context: ContextArgs): Record<string, unknown> {
  return context.getArgByIndex<Record<string, unknown> | undefined>(1) ?? {};
}

interface GraphQLContext {
  req?: object;
  request?: object;
  res?: unknown;
  reply?: unknown;
}

interface GraphQLInfo {
  operation?: { operation?: string };
}
