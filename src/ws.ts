// GraphQL over WebSocket (the graphql-ws protocol) on the gateway's own port and path. Every operation a socket starts
// is run by the gateway itself, as a GraphQL-over-SSE request carrying the socket's credentials: caller auth, the
// Backside key header, CSRF, document and cost limits, error codes and masking apply exactly as over HTTP, and nothing
// about them is written twice. (Yoga's documented graphql-ws recipe runs envelop directly, which skips Yoga's request
// hooks: our caller auth is one of them.)
import type { Server } from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  parse,
} from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { MAX_BODY_BYTES } from './defaults.js';

/** What attachWebSockets needs of the gateway: its fetch handler and endpoint. */
export interface WebSocketGateway {
  fetch(input: string, init: RequestInit): Promise<Response> | Response;
  graphqlEndpoint: string;
}

export interface WebSocketOptions {
  /** The header callers send their own Backside key in (BACKSIDE_CALLER_KEY_HEADER); undefined: none. */
  backsideKeyHeader?: string | undefined;
  /** Largest message a client may send, bytes; default MAX_BODY_BYTES (a bigger one closes the socket, 1009). */
  maxPayloadBytes?: number | undefined;
}

/** The socket's credentials: from connection_init's payload, else from the upgrade request's headers. */
type Credentials = Record<string, string>;

/** Close codes of a refused connection_init (graphql-ws leaves 4401/4403 to the server). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_BAD_REQUEST = 4400;

/**
 * Serves graphql-ws on `server` at the gateway's endpoint. connection_init is checked with a `{ __typename }` request
 * bearing the socket's credentials (no upstream call): 401 closes the socket with 4401, 403 with 4403, 400 (a malformed
 * Backside key) with 4400. Answers `close()`, which closes every socket (1001, "Going away") and stops accepting.
 */
export function attachWebSockets(
  server: Server,
  gateway: WebSocketGateway,
  options: WebSocketOptions = {},
): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: gateway.graphqlEndpoint,
    maxPayload: options.maxPayloadBytes ?? MAX_BODY_BYTES,
  });
  const names = ['authorization', 'x-api-key', ...(options.backsideKeyHeader ? [options.backsideKeyHeader] : [])].map(
    (name) => name.toLowerCase(),
  );
  const credentials = new WeakMap<object, Credentials>();
  const url = `http://gateway.internal${gateway.graphqlEndpoint}`;
  const post = (creds: Credentials, accept: string, body: unknown, signal?: AbortSignal) =>
    gateway.fetch(url, {
      method: 'POST',
      headers: { ...creds, 'content-type': 'application/json', accept },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });

  const disposable = useServer(
    {
      onConnect: async (ctx: Context) => {
        const creds = credentialsOf(names, ctx.connectionParams, ctx.extra as { request: { headers: object } });
        const answer = await post(creds, 'application/graphql-response+json', { query: '{ __typename }' });
        await answer.body?.cancel();
        const code =
          answer.status === 401
            ? CLOSE_UNAUTHORIZED
            : answer.status === 403
              ? CLOSE_FORBIDDEN
              : answer.status === 400
                ? CLOSE_BAD_REQUEST
                : undefined;
        if (code !== undefined) {
          (ctx.extra as { socket: { close(code: number, reason: string): void } }).socket.close(
            code,
            code === CLOSE_UNAUTHORIZED ? 'Unauthorized' : code === CLOSE_FORBIDDEN ? 'Forbidden' : 'Bad request',
          );
          return false;
        }
        credentials.set(ctx, creds);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        // Parsed only so that graphql-ws knows the operation's type; the gateway parses and checks it again. A document
        // that does not parse, or names no single operation, is still sent to the gateway (as a query, for graphql-ws),
        // so that its refusal is the gateway's own: code, requestId and all, as over HTTP.
        let document: DocumentNode = STAND_IN;
        try {
          const parsed = parse(payload.query, { maxTokens: 10_000 });
          if (getOperationAST(parsed, payload.operationName)) document = parsed;
        } catch {}
        return {
          schema: undefined as never,
          document,
          operationName: document === STAND_IN ? undefined : payload.operationName,
          variableValues: payload.variables,
          contextValue: { creds: credentials.get(ctx) ?? {}, payload },
          rootValue: null,
        };
      },
      // The gateway's results are JSON already (graphql-ws would call toJSON() on each error): sent as they came.
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      // A result without data (a request error) ends the operation with an `error` message bearing its errors as the
      // gateway wrote them (relay throws them as RequestErrors; graphql-ws wraps that in a GraphQLError).
      onError: (_ctx, _id, _payload, errors) => {
        const cause = errors.length === 1 ? errors[0]?.originalError : undefined;
        return cause instanceof RequestErrors ? cause.errors : undefined;
      },
      // Queries, mutations and subscriptions alike: the gateway answers the SSE stream of results.
      execute: (args) => relay(args.contextValue as Relayed, post),
      subscribe: (args) => relay(args.contextValue as Relayed, post),
    },
    wss,
  );
  return {
    close: async () => {
      await disposable.dispose();
    },
  };
}

/** What graphql-ws is given for a document that does not parse or names no single operation (the gateway refuses it). */
const STAND_IN = parse('{ __typename }');

/** A gateway answer without data: its errors, to be sent to the client as one graphql-ws `error` message. */
class RequestErrors extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors[0]?.message ?? 'The gateway refused this operation.');
  }
}

/** What onSubscribe hands to execute/subscribe: the socket's credentials and the operation as the client sent it. */
interface Relayed {
  creds: Credentials;
  payload: unknown;
}

function credentialsOf(names: string[], params: unknown, extra: { request: { headers: object } }): Credentials {
  const creds: Credentials = {};
  const headers = extra.request.headers as Record<string, string | string[] | undefined>;
  const fromParams = new Map<string, unknown>(
    params && typeof params === 'object'
      ? Object.entries(params as Record<string, unknown>).map(([key, value]) => [key.toLowerCase(), value])
      : [],
  );
  for (const name of names) {
    const value = fromParams.get(name) ?? headers[name];
    if (typeof value === 'string' && value !== '') creds[name] = value;
  }
  return creds;
}

/**
 * The gateway's answer to one operation as results: each SSE `next` event is a result, `complete` ends; a non-SSE
 * answer (a refused request) is one result. `return()` (the client's complete, or the socket closing) cancels the
 * request at once, which ends the subscription in the gateway.
 */
function relay(
  relayed: Relayed,
  post: (creds: Credentials, accept: string, body: unknown, signal?: AbortSignal) => Promise<Response> | Response,
): AsyncIterableIterator<ExecutionResult> {
  const abort = new AbortController();
  const decoder = new TextDecoder();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let buffer = '';
  let done = false;
  let single: Promise<ExecutionResult | undefined> | undefined;
  const finish = async (): Promise<IteratorResult<ExecutionResult>> => {
    done = true;
    abort.abort();
    await reader?.cancel().catch(() => {});
    return { value: undefined, done: true };
  };
  // A result without data is a request error (the operation never ran): the stream ends and the errors are thrown, for
  // graphql-ws to answer as an `error` message (see onError). Any other result, errors and all, is a `next`.
  const deliver = async (result: ExecutionResult): Promise<IteratorResult<ExecutionResult>> => {
    if (!('data' in result) && result.errors?.length) {
      await finish();
      throw new RequestErrors(result.errors as readonly GraphQLFormattedError[]);
    }
    return { value: result, done: false };
  };
  const start = (async () => {
    const response = await post(relayed.creds, 'text/event-stream', relayed.payload, abort.signal);
    if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) {
      single = response.json().then(
        (value) => value as ExecutionResult,
        () => ({ errors: [new GraphQLError('The gateway could not answer this operation.')] }),
      );
      return;
    }
    reader = response.body.getReader();
  })();
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      await start;
      if (done) return { value: undefined, done: true };
      if (single) {
        const result = await single;
        done = true;
        return result ? deliver(result) : { value: undefined, done: true };
      }
      while (reader) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
            .join('\n');
          if (event === 'complete') return finish();
          if (data === '') continue; // a keep-alive comment
          return deliver(JSON.parse(data) as ExecutionResult);
        }
        const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (chunk.done || done) return finish();
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      return finish();
    },
    return: finish,
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
