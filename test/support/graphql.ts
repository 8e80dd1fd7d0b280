/**
 * GraphQL over HTTP for the e2e specs of `POST /graphql` (Apollo in the example app, Mercurius in
 * graphql-mercurius.e2e-spec.ts): the request a client sends and what a refused field looks like.
 */
import { expect } from '@jest/globals';
import { request, type CookieJar, type HttpResponse } from 'nestjs-wristband/testing';

export interface GraphqlError {
  message: string;
  path?: string[];
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

export interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: GraphqlError[];
}

export interface GraphqlRequestOptions {
  jar?: CookieJar;
  headers?: Record<string, string>;
  variables?: object;
}

/**
 * A JSON POST to the app's `/graphql`, as a browser's `fetch` or an API client sends it (Apollo refuses
 * CSRF-prone simple requests). `answers` collects every answer, for a scan for secrets at the end.
 */
export async function graphqlRequest(
  app: { url: string },
  query: string,
  opts: GraphqlRequestOptions = {},
  answers?: HttpResponse[],
): Promise<HttpResponse> {
  const res = await request(`${app.url}/graphql`, {
    method: 'POST',
    jar: opts.jar,
    headers: opts.headers,
    body: { query, variables: opts.variables ?? {} },
  });
  answers?.push(res);
  return res;
}

/** A refused field: HTTP 200, one error with the code and the REST route's reason, the field `null`. */
export function expectGraphqlRefusal(
  res: HttpResponse,
  field: string,
  code: string,
  reason: string,
): void {
  expect(res.status).toBe(200);
  const body = res.json<GraphqlBody>();
  expect(body.errors).toHaveLength(1);
  const [error] = body.errors!;
  expect(error.extensions).toMatchObject({ code, reason });
  expect(error.path).toEqual([field]);
  expect(error.message).toEqual(expect.any(String));
  // Non-null fields (`Me!`, ...) make the whole `data` null; either way the field has no value.
  expect(body.data?.[field] ?? null).toBeNull();
}
