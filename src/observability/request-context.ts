import { AsyncLocalStorage } from 'node:async_hooks';

/** What the app knows about the request being handled, wherever the code runs (logger included). */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
