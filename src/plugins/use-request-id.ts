import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { REQUEST_ID_MAX_LENGTH } from '../defaults.js';

/** Printable ASCII, no spaces (ids are pasted into searches and log queries), 1–128 characters. */
const VALID = new RegExp(`^[\\x21-\\x7e]{1,${REQUEST_ID_MAX_LENGTH}}$`);

const ids = new WeakMap<Request, string>();

/** The request's id (set by useRequestId), or undefined for a request it never saw. */
export function requestIdOf(request: Request): string | undefined {
  return ids.get(request);
}

/** The caller's `x-request-id` when it is printable ASCII of at most 128 characters, else a fresh UUID. */
export function requestIdFrom(header: string | null): string {
  return header !== null && VALID.test(header) ? header : randomUUID();
}

/** The same error with `extensions.requestId`: a copy, since answers may be shared (dedupe, response cache). */
function withRequestId(error: unknown, requestId: string): unknown {
  if (!(error instanceof GraphQLError)) return error;
  return createGraphQLError(error.message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions: { ...(error.extensions ?? {}), requestId },
  });
}

/**
 * Every request gets an id: the caller's `x-request-id` when valid (printable ASCII without spaces, ≤ 128 characters),
 * else a random UUID. It is answered in the `x-request-id` response header (every path: GraphQL, /metrics, /health),
 * in every GraphQL error's `extensions.requestId` (single answers; the later parts of an incremental answer are left
 * as they are), and read by the log line and the trace of the request (`requestIdOf`). First in the plugin list, so
 * that refusals (auth, CSRF) carry it too.
 */
export function useRequestId(): Plugin {
  return {
    onRequest({ request }) {
      ids.set(request, requestIdFrom(request.headers.get('x-request-id')));
    },
    onResultProcess({ request, result, setResult }) {
      const id = ids.get(request);
      if (id === undefined) return;
      const mark = (single: { errors?: readonly unknown[] }) =>
        single.errors?.length ? { ...single, errors: single.errors.map((error) => withRequestId(error, id)) } : single;
      if (Array.isArray(result)) setResult(result.map(mark) as typeof result);
      else if (result && typeof result === 'object' && 'errors' in result) setResult(mark(result) as typeof result);
    },
    onResponse({ request, response }) {
      const id = ids.get(request);
      if (id !== undefined) response.headers.set('x-request-id', id);
    },
  };
}
