// The one way upstream code talks HTTP, per source. It composes the concerns beside it:
//   request → cache? → shared read? → retry loop (retry.ts) → circuit (per credential) → slot (per credential)
//   → attempt timeout → exchange (the wire: request, status, body; wire-undici.ts on the network)
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
// Fleet (shared-state.ts, when given): before every attempt that goes to the network, a 429 reset learned by any
// replica is waited for (or refused) and a token of the shared rate budget is taken (waited for within the budget, or
// UPSTREAM_RATE_LIMITED without calling); `cacheTtlMs` answers and write generations are shared between replicas.
// Observer (observer.ts, when given): each call, attempt, retry, rate-limit wait and breaker change is told.
import { createHash } from 'node:crypto';
import { BrokenCircuitError, CircuitState, TimeoutStrategy, timeout } from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { UPSTREAM_DEFAULTS } from '../../defaults.js';
import { GatewayError } from '../../errors.js';
import type { Source } from '../../model.js';
import { BodyBudget, type BodyLimits } from './body.js';
import { DeadlineExceeded, narrowed, sleep, untilAborted } from './deadline.js';
import { exchange, type PreparedCall, type Progress } from './exchange.js';
import { AttemptFailure, abortFailure, callerGone, OutcomeUnknownError, toFailure } from './failure.js';
import { type Lane, Lanes } from './isolation.js';
import type { UpstreamObserver, UpstreamServedBy } from './observer.js';
import type { UpstreamPolicy } from './policy.js';
import type { Requester, RequestOptions, RequestScope, UpstreamResponse } from './requester.js';
import { retryDelay } from './retry.js';
import { routeOf } from './route.js';
import { SharedReads, type SharedScope } from './shared-read.js';
import type { UpstreamSharedState } from './shared-state.js';
import type { Wire } from './wire.js';
import { fetchWire } from './wire-fetch.js';
import { undiciWire } from './wire-undici.js';

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
  /** For unit tests of a client: calls go through this fetch. The gateway uses undici's pool (wire-undici.ts). */
  fetch?: typeof fetch | undefined;
  /** Shared with the other sources' transports, so the bound is the process's; default: one of its own. */
  bodyBudget?: BodyBudget | undefined;
  /** State shared with other replicas (rate budget, learned 429 resets, cached answers); default none. */
  shared?: UpstreamSharedState | undefined;
  /** Told of calls, attempts, retries, rate-limit waits and breaker changes (metrics, traces); default none. */
  observer?: UpstreamObserver | undefined;
}

/** What one call's caller saw, filled in as it goes (for the observer's call event). */
interface CallTrace {
  servedBy: UpstreamServedBy;
  attempts: number;
}

/** The circuit state of a lane, as health and metrics name it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

function breakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

/** A signal that never aborts, for calls made outside any request (unit tests, start-up). */
const NEVER = new AbortController().signal;

/**
 * Upstream HTTP for one source: reads shared while in flight and, when asked, kept briefly; retries within the
 * budget; per-credential circuit breakers and concurrency slots; every failure a GatewayError (see failure.ts).
 */
export class UpstreamHttp {
  readonly source: Source;
  readonly #wire: Wire & { close?(): Promise<void> };
  /** The source's default headers, names lowercased: what every call sends unless its scope or itself says otherwise. */
  readonly #headers: Record<string, string>;
  readonly #policy: UpstreamPolicy;
  readonly #lanes: Lanes;
  readonly #shared = new SharedReads();
  readonly #cache: LRUCache<string, UpstreamResponse<unknown>>;
  readonly #onFailure: UpstreamHttpOptions['onFailure'];
  readonly #defaultAuthorization: string;
  /** The digest of the configured credential, made once (most requests use it). */
  readonly #defaultCredential: string;
  readonly #body: BodyLimits;
  /**
   * Writes so far by credential digest (see Coherence above); a credential forgotten by the LRU starts again at 0,
   * which is safe since its cached answers were dropped at its last write and ids only grow from #writes.
   */
  readonly #generations: LRUCache<string, number>;
  #writes = 0;
  readonly #fleet: UpstreamSharedState | undefined;
  readonly #observer: UpstreamObserver | undefined;

  constructor(options: UpstreamHttpOptions) {
    this.source = options.source;
    // A setting left undefined keeps its default (a spread would copy the undefined over it).
    const set = Object.entries(options.policy ?? {}).filter(([, value]) => value !== undefined);
    this.#policy = { ...UPSTREAM_DEFAULTS, ...Object.fromEntries(set) };
    this.#lanes = new Lanes(this.#policy, digest(authorizationOf(options.headers) ?? ''));
    this.#fleet = options.shared;
    this.#observer = options.observer;
    const observer = this.#observer;
    // The gateway's own credential's circuit: what health and the breaker metric report for the source.
    if (observer?.breaker) {
      this.#lanes.own().breaker.onStateChange((state) => observer.breaker?.(this.source, breakerState(state)));
    }
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
    this.#defaultAuthorization = authorizationOf(options.headers) ?? '';
    this.#defaultCredential = digest(this.#defaultAuthorization);
    this.#headers = lowercased({ Accept: 'application/json', ...options.headers });
    // Retries, timeouts and statuses are ours (retry.ts, the attempt timeout, exchange.ts); the wire only sends.
    this.#wire = options.fetch ? fetchWire(options.fetch, options.baseUrl) : undiciWire(options.baseUrl);
  }

  /** Ends the pool's connections (idle ones never hold the process open; this is for a clean stop). */
  async close(): Promise<void> {
    await this.#wire.close?.();
  }

  /** The circuit of the gateway's own credential for this source (callers' own keys have theirs). */
  breakerState(): BreakerState {
    return breakerState(this.#lanes.own().breaker.state);
  }

  /**
   * The source says the data changed (a verified webhook): reads with `authorization` (default: the configured
   * credential) start a new generation here and on every replica, as after a write of ours.
   */
  async invalidate(authorization: string = this.#defaultAuthorization): Promise<void> {
    const credential = digest(authorization);
    this.#wrote(credential);
    await this.#fleet?.wrote?.(this.source, credential);
  }

  /** A requester bound to one GraphQL request: its signal, deadline and (a tenant's own) credential. */
  scope(scope: RequestScope = {}): Requester {
    const own = authorizationOf(scope.headers);
    const credential = own === undefined ? this.#defaultCredential : digest(own);
    // What every call of this scope sends, merged once: the defaults, then the scope's own (a caller's credential).
    const headers = scope.headers ? { ...this.#headers, ...lowercased(scope.headers) } : this.#headers;
    const bound = { credential, headers };
    return { source: this.source, request: (path, options) => this.#request(path, options ?? {}, scope, bound) };
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
    bound: Bound,
  ): Promise<UpstreamResponse<T | null>> {
    const call = prepare(path, options);
    const deadline = Math.min(scope.deadline ?? Number.POSITIVE_INFINITY, options.deadline ?? Number.POSITIVE_INFINITY);
    // A call with a deadline of its own (a source's share of a list's budget) is cut at it.
    const own =
      deadline < (scope.deadline ?? Number.POSITIVE_INFINITY) ? narrowed(scope.signal ?? NEVER, deadline) : null;
    const end = this.#observer?.startCall?.(this.source, call.method, call.route);
    const trace: CallTrace = { servedBy: 'network', attempts: 0 };
    const started = end ? performance.now() : 0;
    let status: number | null = null;
    let code: string | null = null;
    try {
      const response = await this.#run<T>(call, options, bound, own?.signal ?? scope.signal ?? NEVER, deadline, trace);
      status = response.status;
      return response;
    } catch (error) {
      code = (error as { code?: unknown }).code === undefined ? 'ABORTED' : String((error as { code: unknown }).code);
      throw error;
    } finally {
      own?.dispose();
      if (end) {
        const { method, route } = call;
        const durationMs = performance.now() - started;
        end({ source: this.source, method, route, ...trace, status, code, durationMs });
      }
    }
  }

  async #run<T>(
    call: PreparedCall,
    options: RequestOptions,
    { credential, headers }: Bound,
    signal: AbortSignal,
    deadline: number,
    trace: CallTrace,
  ): Promise<UpstreamResponse<T | null>> {
    const lane = this.#lanes.get(credential);
    const sending = { lane, credential, headers, trace };
    if (call.write) {
      this.#wrote(credential);
      await this.#fleet?.wrote?.(this.source, credential);
      try {
        return await this.#send<T>(call, sending, { signal, deadline: () => deadline });
      } finally {
        // Reads that started while the write was in flight may have seen the record before it.
        this.#wrote(credential);
        await this.#fleet?.wrote?.(this.source, credential);
      }
    }
    if (!call.idempotent || (!this.#policy.dedupe && !options.cacheTtlMs)) {
      return this.#send<T>(call, sending, { signal, deadline: () => deadline });
    }
    const generation = this.#generations.get(credential) ?? 0;
    // Kept answers shared between replicas carry the credential's shared generation: a write anywhere moves it.
    const fleet = options.cacheTtlMs && this.#fleet?.answers && this.#fleet.generation ? this.#fleet : undefined;
    const fleetGeneration = fleet ? await fleet.generation?.(this.source, credential) : undefined;
    const request = [call.method, call.path, options.searchParams ?? null, options.json ?? null];
    const key = JSON.stringify([credential, generation, ...(fleet ? [fleetGeneration] : []), ...request]);
    const sharedKey = fleet
      ? `${this.source}:${credential}:${digest(JSON.stringify([fleetGeneration, ...request]))}`
      : '';
    const cached = this.#cache.get(key) ?? (fleet ? await this.#fromFleet(fleet, sharedKey) : undefined);
    if (cached) {
      trace.servedBy = 'cache';
      return cached as UpstreamResponse<T | null>;
    }
    let started = false;
    try {
      const answer = this.#shared.run(key, { signal, deadline }, async (shared) => {
        started = true;
        const response = await this.#send<T>(call, sending, shared);
        // Not kept when a write of this credential began while it was read: it may predate the write.
        let current = (this.#generations.get(credential) ?? 0) === generation;
        if (fleet && current) current = (await fleet.generation?.(this.source, credential)) === fleetGeneration;
        if (options.cacheTtlMs && current) {
          this.#cache.set(key, response, { ttl: options.cacheTtlMs });
          if (fleet) await this.#toFleet(fleet, sharedKey, response, options.cacheTtlMs);
        }
        return response;
      });
      // Started synchronously when no identical read was in flight: otherwise this caller joined another's.
      if (!started) trace.servedBy = 'shared';
      return await answer;
    } catch (error) {
      // The caller went away: its own abort reason goes up (Yoga logs an AbortError at debug only).
      if (callerGone(signal)) throw signal.reason;
      // This waiter left at its deadline while the shared call may go on for others, or the call failed.
      throw toFailure(error, this.source, call.route, signal).error;
    }
  }

  /** A kept answer another replica (or this one) shared, kept here too for what is left of its TTL. */
  async #fromFleet(fleet: UpstreamSharedState, sharedKey: string): Promise<UpstreamResponse<unknown> | undefined> {
    const text = await fleet.answers?.get(sharedKey);
    if (text === undefined) return undefined;
    const kept = JSON.parse(text) as { status: number; headers: [string, string][]; body: unknown };
    // Not copied into this.#cache: the shared cache keeps its own memory tier for the rest of the TTL.
    return { status: kept.status, headers: new Headers(kept.headers), body: kept.body };
  }

  /** Shares a kept answer, when it is no larger than this process would keep. */
  async #toFleet(
    fleet: UpstreamSharedState,
    sharedKey: string,
    response: UpstreamResponse<unknown>,
    ttlMs: number,
  ): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify({ status: response.status, headers: [...response.headers], body: response.body });
    } catch {
      return;
    }
    if (text.length <= this.#policy.cacheMaxBytes) await fleet.answers?.set(sharedKey, text, ttlMs);
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
  async #send<T>(call: PreparedCall, sending: Sending, scope: SharedScope): Promise<UpstreamResponse<T | null>> {
    const { lane, trace, credential } = sending;
    // The call's own headers (an Idempotency-Key) over the scope's.
    const headers = call.options.headers
      ? { ...sending.headers, ...lowercased(call.options.headers) }
      : sending.headers;
    const observer = this.#observer;
    const maxAttempts = call.idempotent ? this.#policy.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const progress: Progress = { sent: false, answered: false };
      let started = 0;
      try {
        // Every attempt that goes to the network, a retry included, waits for a learned reset and takes a token.
        if (this.#fleet) await this.#pace(call, credential, scope);
        trace.attempts = attempt;
        if (observer?.attempt) started = performance.now();
        const response = await this.#attempt<T>(call, lane, headers, scope, progress);
        if (observer?.attempt) {
          const { method, route } = call;
          const durationMs = performance.now() - started;
          observer.attempt({
            source: this.source,
            method,
            route,
            attempt,
            status: response.status,
            code: null,
            durationMs,
          });
        }
        return response;
      } catch (error) {
        if (callerGone(scope.signal)) throw scope.signal.reason;
        const failure = toFailure(error, this.source, call.route, scope.signal);
        if (failure.quiet) throw failure.error;
        const { code, detail = '' } = failure.error;
        // Only attempts that started (not a refusal by the budget) are attempts for the observer.
        if (observer?.attempt && started > 0) {
          const status = /HTTP (\d{3})/.exec(detail)?.[1];
          observer.attempt({
            source: this.source,
            method: call.method,
            route: call.route,
            attempt,
            status: status ? Number(status) : null,
            code,
            durationMs: performance.now() - started,
          });
        }
        this.#onFailure?.({ source: this.source, code, route: call.route, detail, attempt });
        // A real 429 (its wait named or floored): every replica waits for its reset before calling this credential.
        if (code === 'UPSTREAM_RATE_LIMITED' && failure.waitMs !== null) {
          this.#fleet?.learnReset?.(this.source, credential, Date.now() + failure.waitMs);
        }
        if (!call.idempotent && progress.sent && !progress.answered) throw new OutcomeUnknownError(failure.error);
        const wait = retryDelay(failure, attempt, maxAttempts, this.#policy, scope.deadline());
        if (wait === null) throw failure.error;
        observer?.retry?.(this.source, call.route, wait, code === 'UPSTREAM_RATE_LIMITED');
        // Cut short (the caller left, the gateway stops): the last real failure is the answer.
        await sleep(wait, scope.signal).catch(() => {
          throw failure.error;
        });
      }
    }
  }

  /**
   * Before an attempt goes to the network: waits out a 429 reset learned by any replica (refusing, when it is past the
   * wait cap or the budget) and takes a token of the rate budget (waiting for one within the budget, else refusing).
   * A refusal is UPSTREAM_RATE_LIMITED, not retried, and nothing was sent.
   */
  async #pace(call: PreparedCall, credential: string, scope: SharedScope): Promise<void> {
    const fleet = this.#fleet as UpstreamSharedState;
    for (;;) {
      const resetAt = (await fleet.resetAt?.(this.source, credential)) ?? 0;
      const reset = resetAt - Date.now();
      const wait = reset > 0 ? reset : ((await fleet.budget?.(this.source, credential)) ?? 0);
      if (wait <= 0) return;
      if ((reset > 0 && wait > this.#policy.rateLimitWaitCapMs) || Date.now() + wait >= scope.deadline()) {
        this.#observer?.rateLimitWait?.(this.source, 0, true);
        const why = reset > 0 ? 'waiting for a rate-limit reset' : 'rate budget spent';
        throw new AttemptFailure(GatewayError.upstream('UPSTREAM_RATE_LIMITED', this.source, `${call.route}: ${why}`));
      }
      this.#observer?.rateLimitWait?.(this.source, wait, false);
      await sleep(wait, scope.signal);
    }
  }

  /** One attempt through the credential's circuit and slots, bounded by the attempt timeout and the deadline. */
  #attempt<T>(
    call: PreparedCall,
    lane: Lane,
    headers: Record<string, string>,
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
                  exchange<T>(this.#wire, call, headers, attemptSignal, this.#body, this.source, progress),
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

/** What a requester binds once for all its calls: the credential (digest) and the headers it sends. */
interface Bound {
  credential: string;
  /** The source's defaults with the scope's own over them, names lowercased. */
  headers: Record<string, string>;
}

/** What #send needs of the call's caller: its lane, credential (digest), headers and trace. */
interface Sending {
  lane: Lane;
  credential: string;
  /** The scope's headers, merged over the source's defaults (see scope()). */
  headers: Record<string, string>;
  trace: CallTrace;
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

/**
 * The Authorization header of `headers`, whatever its name's case (what is sent is merged case-insensitively, so the
 * credential that keys circuits, shared reads and caches must be read the same way).
 */
function authorizationOf(headers: Record<string, string> | undefined): string | undefined {
  if (!headers) return undefined;
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'authorization') return value;
  return undefined;
}

/** The same headers with their names lowercased (HTTP names are case-insensitive; a later same name wins). */
function lowercased(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Keys name a credential by digest, never by the secret itself. */
function digest(authorization: string): string {
  return createHash('sha256').update(authorization).digest('base64url');
}
