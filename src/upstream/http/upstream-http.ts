// The one way upstream code talks HTTP, per source. It composes the concerns beside it:
//   request → cache? → shared read? → retry loop (retry.ts) → circuit (per credential) → slot (per credential)
//   → attempt timeout → exchange (ky: request, status, body)
// Writes (any method but GET, except a POST marked idempotent, which only reads) are never shared or cached, get one
// attempt unless marked idempotent (PUT, DELETE), and one that fails after its request may have reached the upstream
// throws an OutcomeUnknownError (failure.ts).
// Coherence: a write by a credential bumps that credential's generation, before it is sent and again once it is done.
// The generation is part of every shared-read and cache key, so later reads neither join reads in flight that started
// before the write nor get answers cached before it; an answer is cached only when no write of its credential began
// while it was read; and the credential's cached answers are dropped at once (they would only take room). Other
// credentials keep theirs: a write by one tenant says nothing of what another may see.
// One deadline model: each attempt is bounded by `timeoutMs` from sending to the body's last byte; the request's
// budget (its scope's signal and deadline) bounds the attempts, backoff, rate-limit waits and time queued.
import { createHash } from 'node:crypto';
import { BrokenCircuitError, CircuitState, TimeoutStrategy, timeout } from 'cockatiel';
import ky, { type KyInstance, type Options } from 'ky';
import { LRUCache } from 'lru-cache';
import { UPSTREAM_DEFAULTS } from '../../defaults.js';
import type { Source } from '../../model.js';
import { BodyBudget, type BodyLimits } from './body.js';
import { DeadlineExceeded, narrowed, sleep, untilAborted } from './deadline.js';
import { exchange, type PreparedCall, type Progress } from './exchange.js';
import { abortFailure, callerGone, OutcomeUnknownError, toFailure } from './failure.js';
import { type Lane, Lanes } from './isolation.js';
import type { UpstreamPolicy } from './policy.js';
import type { Requester, RequestOptions, RequestScope, UpstreamResponse } from './requester.js';
import { retryDelay } from './retry.js';
import { routeOf } from './route.js';
import { SharedReads, type SharedScope } from './shared-read.js';

/** What is told of every failed attempt, for logs and metrics: codes and route templates only. */
export interface UpstreamFailureEvent {
  source: Source;
  code: string;
  /** e.g. `GET /contacts/{id}`. */
  route: string;
  /** For operators: route and cause (HTTP status, timeout, circuit open); never a URL, token or body. */
  detail: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface UpstreamHttpOptions {
  source: Source;
  baseUrl: string;
  /** Sent on every request (auth, versions); a scope's `headers` replace them per request. */
  headers: Record<string, string>;
  policy?: Partial<UpstreamPolicy> | undefined;
  onFailure?: ((event: UpstreamFailureEvent) => void) | undefined;
  /** For unit tests of a client; the gateway uses the global fetch. */
  fetch?: typeof fetch | undefined;
  /** Shared with the other sources' transports, so the bound is the process's; default: one of its own. */
  bodyBudget?: BodyBudget | undefined;
}

/** A signal that never aborts, for calls made outside any request (unit tests, start-up). */
const NEVER = new AbortController().signal;

/**
 * Upstream HTTP for one source: reads shared while in flight and, when asked, kept briefly; retries within the
 * budget; per-credential circuit breakers and concurrency slots; every failure a GatewayError (see failure.ts).
 */
export class UpstreamHttp {
  readonly source: Source;
  readonly #ky: KyInstance;
  readonly #policy: UpstreamPolicy;
  readonly #lanes: Lanes;
  readonly #shared = new SharedReads();
  readonly #cache: LRUCache<string, UpstreamResponse<unknown>>;
  readonly #onFailure: UpstreamHttpOptions['onFailure'];
  readonly #defaultAuthorization: string;
  readonly #body: BodyLimits;
  /**
   * Writes so far by credential digest (see Coherence above); a credential forgotten by the LRU starts again at 0,
   * which is safe since its cached answers were dropped at its last write and ids only grow from #writes.
   */
  readonly #generations: LRUCache<string, number>;
  #writes = 0;

  constructor(options: UpstreamHttpOptions) {
    this.source = options.source;
    // A setting left undefined keeps its default (a spread would copy the undefined over it).
    const set = Object.entries(options.policy ?? {}).filter(([, value]) => value !== undefined);
    this.#policy = { ...UPSTREAM_DEFAULTS, ...Object.fromEntries(set) };
    this.#lanes = new Lanes(this.#policy, digest(options.headers.Authorization ?? ''));
    this.#body = {
      maxBytes: this.#policy.maxBodyBytes,
      budget: options.bodyBudget ?? new BodyBudget(this.#policy.bodyBudgetBytes),
    };
    this.#cache = new LRUCache({
      maxSize: this.#policy.cacheMaxBytes,
      // JSON.stringify recurses: an answer nested too deep to measure (RangeError) counts as too big to keep.
      sizeCalculation: (response) => {
        try {
          return Math.max(1, JSON.stringify(response.body)?.length ?? 1);
        } catch {
          return this.#policy.cacheMaxBytes + 1;
        }
      },
    });
    this.#generations = new LRUCache({ max: this.#policy.maxCredentials });
    this.#onFailure = options.onFailure;
    this.#defaultAuthorization = options.headers.Authorization ?? '';
    const kyOptions: Options = {
      prefixUrl: options.baseUrl,
      headers: { Accept: 'application/json', ...options.headers },
      // Retries, timeouts and statuses are ours (retry.ts, the attempt timeout, exchange.ts).
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      redirect: 'manual',
    };
    if (options.fetch) kyOptions.fetch = options.fetch;
    this.#ky = ky.create(kyOptions);
  }

  /** A requester bound to one GraphQL request: its signal, deadline and (a tenant's own) credential. */
  scope(scope: RequestScope = {}): Requester {
    const credential = digest(scope.headers?.Authorization ?? this.#defaultAuthorization);
    return { source: this.source, request: (path, options) => this.#request(path, options ?? {}, scope, credential) };
  }

  /** One call outside any request (tests): bounded by the attempt timeout and the retries only. */
  request<T>(
    path: string,
    options: RequestOptions = {},
    scope: RequestScope = {},
  ): Promise<UpstreamResponse<T | null>> {
    return this.scope(scope).request<T>(path, options);
  }

  async #request<T>(
    path: string,
    options: RequestOptions,
    scope: RequestScope,
    credential: string,
  ): Promise<UpstreamResponse<T | null>> {
    const call = prepare(path, options);
    const deadline = Math.min(scope.deadline ?? Number.POSITIVE_INFINITY, options.deadline ?? Number.POSITIVE_INFINITY);
    // A call with a deadline of its own (a source's share of a list's budget) is cut at it.
    const own =
      deadline < (scope.deadline ?? Number.POSITIVE_INFINITY) ? narrowed(scope.signal ?? NEVER, deadline) : null;
    try {
      return await this.#run<T>(call, options, scope, credential, own?.signal ?? scope.signal ?? NEVER, deadline);
    } finally {
      own?.dispose();
    }
  }

  async #run<T>(
    call: PreparedCall,
    options: RequestOptions,
    scope: RequestScope,
    credential: string,
    signal: AbortSignal,
    deadline: number,
  ): Promise<UpstreamResponse<T | null>> {
    const lane = this.#lanes.get(credential);
    if (call.write) {
      this.#wrote(credential);
      try {
        return await this.#send<T>(call, lane, scope.headers, { signal, deadline: () => deadline });
      } finally {
        // Reads that started while the write was in flight may have seen the record before it.
        this.#wrote(credential);
      }
    }
    if (!call.idempotent || (!this.#policy.dedupe && !options.cacheTtlMs)) {
      return this.#send<T>(call, lane, scope.headers, { signal, deadline: () => deadline });
    }
    const generation = this.#generations.get(credential) ?? 0;
    const key = JSON.stringify([
      credential,
      generation,
      call.method,
      call.path,
      options.searchParams ?? null,
      options.json ?? null,
    ]);
    const cached = this.#cache.get(key);
    if (cached) return cached as UpstreamResponse<T | null>;
    try {
      return await this.#shared.run(key, { signal, deadline }, async (shared) => {
        const response = await this.#send<T>(call, lane, scope.headers, shared);
        // Not kept when a write of this credential began while it was read: it may predate the write.
        const current = (this.#generations.get(credential) ?? 0) === generation;
        if (options.cacheTtlMs && current) this.#cache.set(key, response, { ttl: options.cacheTtlMs });
        return response;
      });
    } catch (error) {
      // The caller went away: its own abort reason goes up (Yoga logs an AbortError at debug only).
      if (callerGone(signal)) throw signal.reason;
      // This waiter left at its deadline while the shared call may go on for others, or the call failed.
      throw toFailure(error, this.source, call.route, signal).error;
    }
  }

  /** A write by `credential`: a new generation for its reads, and its cached answers dropped. */
  #wrote(credential: string): void {
    this.#writes += 1;
    this.#generations.set(credential, this.#writes);
    const prefix = `${JSON.stringify([credential]).slice(0, -1)},`;
    for (const key of [...this.#cache.keys()]) if (key.startsWith(prefix)) this.#cache.delete(key);
  }

  /**
   * The retry loop: attempts until one answers, or the failure is final, or the budget has no room for another. A
   * non-idempotent call has one attempt; when it fails after its request may have been sent and before any status
   * came back, it throws an OutcomeUnknownError (with the caller gone, its abort reason as ever).
   */
  async #send<T>(
    call: PreparedCall,
    lane: Lane,
    headers: Record<string, string> | undefined,
    scope: SharedScope,
  ): Promise<UpstreamResponse<T | null>> {
    const maxAttempts = call.idempotent ? this.#policy.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const progress: Progress = { sent: false, answered: false };
      try {
        return await this.#attempt<T>(call, lane, headers, scope, progress);
      } catch (error) {
        if (callerGone(scope.signal)) throw scope.signal.reason;
        const failure = toFailure(error, this.source, call.route, scope.signal);
        if (failure.quiet) throw failure.error;
        const { code, detail = '' } = failure.error;
        this.#onFailure?.({ source: this.source, code, route: call.route, detail, attempt });
        if (!call.idempotent && progress.sent && !progress.answered) throw new OutcomeUnknownError(failure.error);
        const wait = retryDelay(failure, attempt, maxAttempts, this.#policy, scope.deadline());
        if (wait === null) throw failure.error;
        // Cut short (the caller left, the gateway stops): the last real failure is the answer.
        await sleep(wait, scope.signal).catch(() => {
          throw failure.error;
        });
      }
    }
  }

  /** One attempt through the credential's circuit and slots, bounded by the attempt timeout and the deadline. */
  #attempt<T>(
    call: PreparedCall,
    lane: Lane,
    headers: Record<string, string> | undefined,
    scope: SharedScope,
    progress: Progress,
  ): Promise<UpstreamResponse<T | null>> {
    const { signal } = scope;
    if (signal.aborted) throw abortFailure(this.source, call.route, signal.reason);
    // No attempt starts past the deadline; one in flight is cut by the scope's signal, which aborts at the deadline
    // (a request's) or when the last waiter has left (a shared read, whose deadline moves as waiters join).
    if (scope.deadline() <= Date.now()) throw abortFailure(this.source, call.route, new DeadlineExceeded());
    // A slot first, then the circuit: a call that waited for a slot while the circuit opened is refused, not sent.
    const run = lane.bulkhead.execute(async () => {
      try {
        // Checked again once a slot is ours: no attempt starts for a caller that has left or run out of budget.
        if (signal.aborted) throw abortFailure(this.source, call.route, signal.reason);
        if (scope.deadline() <= Date.now()) throw abortFailure(this.source, call.route, new DeadlineExceeded());
        // While one probe tests a half-open circuit, everyone else is answered at once rather than queued behind it.
        if (lane.breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
        return await lane.breaker.execute(
          () =>
            timeout(this.#policy.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false })
              .execute(
                ({ signal: attemptSignal }) =>
                  exchange<T>(this.#ky, call, headers, attemptSignal, this.#body, this.source, progress),
                signal,
              )
              // Typed here, inside the circuit, so that the breaker counts only faults (failure.ts says which).
              .catch((error: unknown) => {
                throw toFailure(error, this.source, call.route, signal);
              }),
          signal,
        );
      } catch (error) {
        throw toFailure(error, this.source, call.route, signal);
      }
    }, signal);
    // Queued for a slot, a caller still leaves at its own deadline.
    return untilAborted(run, signal);
  }
}

function prepare(path: string, options: RequestOptions): PreparedCall {
  const method = options.method ?? 'GET';
  const searchParams: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.searchParams ?? {})) {
    if (value !== undefined) searchParams[key] = String(value);
  }
  return {
    method,
    path: path.replace(/^\//, ''),
    route: routeOf(method, path),
    searchParams,
    idempotent: options.idempotent ?? method === 'GET',
    // A POST marked idempotent only reads (a search); a PUT or DELETE marked idempotent still changes the upstream.
    write: options.write ?? (method !== 'GET' && !(method === 'POST' && options.idempotent === true)),
    options,
  };
}

/** Keys name a credential by digest, never by the secret itself. */
function digest(authorization: string): string {
  return createHash('sha256').update(authorization).digest('base64url');
}
