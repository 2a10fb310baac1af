import { setMaxListeners } from 'node:events';
import { type DocumentNode, type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Keeps a request's upstream calls alive while anyone still wants its answer: the request itself, and every identical
 * request that joined it. Its `signal` aborts only when all of them have gone away. Made lazily: a request that never
 * calls upstream (or is never joined) never builds a signal.
 */
export class SharedLifetime {
  #controller: AbortController | undefined;
  #holders = 0;
  readonly #request: { readonly signal: AbortSignal };

  constructor(request: { readonly signal: AbortSignal }) {
    this.#request = request;
  }

  get signal(): AbortSignal {
    return this.#ensure().signal;
  }

  /** One more party wants the answer until `signal` aborts. */
  hold(signal: AbortSignal): void {
    this.#ensure();
    this.#watch(signal);
  }

  #ensure(): AbortController {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Every upstream call of the request listens on this signal: many listeners are expected, not a leak.
      setMaxListeners(0, this.#controller.signal);
      this.#watch(this.#request.signal);
    }
    return this.#controller;
  }

  #watch(signal: AbortSignal): void {
    if (signal.aborted) return;
    this.#holders += 1;
    signal.addEventListener(
      'abort',
      () => {
        this.#holders -= 1;
        if (this.#holders === 0) this.#controller?.abort(signal.reason);
      },
      { once: true },
    );
  }
}

export interface OperationDedupeContext {
  /** The request's lifetime (see SharedLifetime); the context factory makes it from the request's signal. */
  lifetime: SharedLifetime;
}

export interface OperationDedupeOptions {
  /**
   * The upstream credential a request reads with (a digest, never the secret itself). Requests share an answer only
   * when this, the query text, the operation name and the variables are all the same.
   */
  credential(request: Request): string;
}

interface InFlight {
  /** The leader's final result (masked, coded), or undefined when it ended without one: then a joiner runs alone. */
  result: Promise<ExecutionResult | undefined>;
  resolve(result: ExecutionResult | undefined): void;
  /** The leader's lifetime once its context exists; until then, the signals of those who joined. */
  lifetime?: SharedLifetime;
  waiting: AbortSignal[];
}

type Params = { query?: string; operationName?: string | null; variables?: unknown; extensions?: unknown };

/**
 * Identical query operations running at the same time execute once: later arrivals wait for the first one's answer
 * instead of resolving the same fields again. Only queries (never mutations or subscriptions), only between requests
 * reading with the same upstream credential, and only while the first is in flight (nothing is kept afterwards; the
 * response cache is the opt-in for that). A joiner has already passed authentication (which runs before this) and
 * sends the same text, so it would have met the same validation, limits and answer.
 */
export function useOperationDedupe(options: OperationDedupeOptions): Plugin<OperationDedupeContext> {
  const inFlight = new Map<string, InFlight>();
  /** Requests leading an operation others may join, with its key. */
  const leaders = new WeakMap<Request, string>();

  const finish = (request: Request, result: ExecutionResult | undefined) => {
    const key = leaders.get(request);
    if (key === undefined) return;
    leaders.delete(request);
    const entry = inFlight.get(key);
    if (entry) {
      inFlight.delete(key);
      entry.resolve(result);
    }
  };

  return {
    async onParams({ params, request, setResult }) {
      const { query, operationName, variables, extensions } = params as Params;
      // Persisted or extension-bearing requests may mean more than their text: they run alone.
      if (typeof query !== 'string' || extensions) return;
      const key = `${options.credential(request)}\n${operationName ?? ''}\n${JSON.stringify(variables ?? null)}\n${query}`;
      const entry = inFlight.get(key);
      if (!entry) {
        let resolve: InFlight['resolve'] = () => {};
        const result = new Promise<ExecutionResult | undefined>((done) => {
          resolve = done;
        });
        inFlight.set(key, { result, resolve, waiting: [] });
        leaders.set(request, key);
        return;
      }
      if (entry.lifetime) entry.lifetime.hold(request.signal);
      else entry.waiting.push(request.signal);
      const result = await entry.result;
      if (result) setResult(result);
    },
    onExecute({ args }) {
      const context = args.contextValue as Partial<OperationDedupeContext> & { request?: Request };
      const request = context.request;
      const key = request && leaders.get(request);
      if (!request || key === undefined) return;
      // A mutation or subscription is never shared: whoever waited runs on its own.
      if (!context.lifetime || !isQuery(args.document, args.operationName)) return finish(request, undefined);
      const entry = inFlight.get(key);
      if (!entry) return;
      entry.lifetime = context.lifetime;
      for (const signal of entry.waiting) context.lifetime.hold(signal);
      entry.waiting = [];
    },
    // The answer as it leaves the execution: masked, coded, with its partial errors; a joiner's answer is that one.
    onExecutionResult({ request, result }) {
      const single = result && !Array.isArray(result) && !(Symbol.asyncIterator in result);
      finish(request, single ? (result as ExecutionResult) : undefined);
    },
    // Whatever happened (a thrown error, a client gone), joiners never wait past the leader's response.
    onResponse({ request }) {
      finish(request, undefined);
    },
  };
}

function isQuery(document: DocumentNode, operationName: string | null | undefined): boolean {
  return getOperationAST(document, operationName)?.operation === 'query';
}
