import { createHash } from 'node:crypto';
import ky, { HTTPError, type KyInstance, type Options, TimeoutError } from 'ky';
import pLimit, { type LimitFunction } from 'p-limit';
import { UPSTREAM_DEFAULTS } from '../defaults.js';
import { GatewayError } from '../errors.js';
import type { Source } from '../model.js';
import type { Requester, RequestOptions, RequestScope, UpstreamResponse } from './http/requester.js';

export type { Requester, RequestOptions, RequestScope, UpstreamResponse } from './http/requester.js';

/** How one source is called: every number here is configuration (src/config.ts), with these defaults. */
export interface UpstreamPolicy {
  /** Timeout of one attempt, ms. */
  timeoutMs: number;
  /** Extra attempts for idempotent reads on network errors, timeouts, 408, 429 and 5xx. */
  retries: number;
  /** Backoff base, ms: attempt n waits a random time up to base·2ⁿ (full jitter), at most `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Longest Retry-After / X-RateLimit-Reset worth waiting, ms; a longer one is an immediate UPSTREAM_RATE_LIMITED. */
  rateLimitWaitCapMs: number;
  /** Consecutive failed calls that open the circuit, and how long it stays open before one probe, ms. */
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Most calls in flight to this source at once, per gateway process. */
  concurrency: number;
  /** Largest response body read, bytes; a larger one is UPSTREAM_BAD_RESPONSE. */
  maxBodyBytes: number;
  /**
   * Identical reads in flight at once (same credential, method, path, query and body) share one upstream call.
   * Reads only: a write is never shared.
   */
  dedupe: boolean;
}

export const DEFAULT_POLICY: UpstreamPolicy = UPSTREAM_DEFAULTS;

export interface UpstreamHttpOptions {
  source: Source;
  baseUrl: string;
  /** Sent on every request (auth, versions). */
  headers: Record<string, string>;
  policy?: Partial<UpstreamPolicy>;
  /** Told of every failed attempt, for logs and metrics: codes and route templates only, never URLs or bodies. */
  onFailure?: (event: { source: Source; code: string; route: string; detail: string; attempt: number }) => void;
  /** For unit tests of a client; the gateway uses the global fetch. */
  fetch?: typeof fetch;
}

/** A circuit breaker over consecutive failures: open answers at once; after the cooldown one probe may pass. */
class Breaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** Whether a call may go out now; a half-open breaker lets exactly one through. */
  admit(): boolean {
    if (this.failures < this.threshold) return true;
    if (Date.now() < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  failure(): void {
    this.failures += 1;
    this.probing = false;
    if (this.failures >= this.threshold) this.openUntil = Date.now() + this.cooldownMs;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** `/contacts/5ba6…/notes` → `/contacts/{id}/notes`: logs name the route, never the record or the host. */
export function routeOf(method: string, path: string): string {
  const template = path
    .split('?')[0]
    ?.split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? '{id}' : segment))
    .join('/');
  return `${method} ${template}`;
}

/** The wait a 429 asks for, ms: Retry-After (seconds or a date), else X-RateLimit-Reset (unix seconds). */
export function rateLimitWait(headers: Headers, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  return null;
}

/** A call's method, ky path (no leading slash), route template for logs, and query, shared by its attempts. */
interface PreparedCall {
  path: string;
  method: string;
  route: string;
  searchParams: Record<string, string>;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

interface SharedCall {
  promise: Promise<UpstreamResponse<unknown>>;
  controller: AbortController;
  /** Callers still waiting; at zero after an abort, the call itself is cancelled. */
  waiters: number;
}

/** Waits for a shared call, leaving early (with the abort reason) when this caller's signal fires. */
function join(call: SharedCall, signal: AbortSignal | undefined): Promise<UpstreamResponse<unknown>> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  call.waiters += 1;
  return new Promise((resolve, reject) => {
    const leave = () => {
      call.waiters -= 1;
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      leave();
      if (call.waiters === 0) call.controller.abort();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    call.promise.then(
      (value) => {
        leave();
        resolve(value);
      },
      (error: unknown) => {
        leave();
        reject(error);
      },
    );
  });
}

/**
 * The one way upstream code talks HTTP, per source: a ky instance (keep-alive through Node's fetch), a concurrency
 * cap, retries with backoff for reads, rate-limit waits within a cap, and a circuit breaker. Every failure becomes a
 * GatewayError whose message carries no URL, token or upstream body (ky's own messages contain the URL).
 */
export class UpstreamHttp {
  readonly source: Source;
  private readonly ky: KyInstance;
  private readonly limit: LimitFunction;
  private readonly policy: UpstreamPolicy;
  private readonly breaker: Breaker;
  private readonly onFailure: UpstreamHttpOptions['onFailure'];
  private readonly defaultAuthorization: string;
  /** Reads in flight, by credential and request: joiners share the answer. */
  private readonly inFlight = new Map<string, SharedCall>();
  /** Short-lived answers for requests that ask for it, by the same key. */
  private readonly cache = new Map<string, { until: number; response: UpstreamResponse<unknown> }>();

  constructor(options: UpstreamHttpOptions) {
    this.source = options.source;
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.limit = pLimit(this.policy.concurrency);
    this.breaker = new Breaker(this.policy.breakerThreshold, this.policy.breakerCooldownMs);
    this.onFailure = options.onFailure;
    this.defaultAuthorization = options.headers.Authorization ?? '';
    const kyOptions: Options = {
      prefixUrl: options.baseUrl,
      headers: { Accept: 'application/json', ...options.headers },
      retry: 0,
      throwHttpErrors: true,
    };
    if (options.fetch) kyOptions.fetch = options.fetch;
    this.ky = ky.create(kyOptions);
  }

  /** A requester bound to one GraphQL request. */
  scope(scope: RequestScope = {}): Requester {
    return { source: this.source, request: (path, options) => this.request(path, options, scope) };
  }

  /**
   * One upstream read or write. Reads may be shared with identical ones in flight and, when asked, answered from a
   * short-lived cache; both are keyed by the credential, so no caller ever gets an answer made for another.
   */
  async request<T>(
    path: string,
    options: RequestOptions = {},
    scope: RequestScope = {},
  ): Promise<UpstreamResponse<T | null>> {
    const method = options.method ?? 'GET';
    const idempotent = options.idempotent ?? method === 'GET';
    if (!idempotent || (!this.policy.dedupe && !options.cacheTtlMs)) return this.send<T>(path, options, scope);
    const credential = createHash('sha256')
      .update(scope.headers?.Authorization ?? this.defaultAuthorization)
      .digest('base64url');
    const key = JSON.stringify([credential, method, path, options.searchParams ?? null, options.json ?? null]);
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.response as UpstreamResponse<T | null>;
    let shared = this.inFlight.get(key);
    if (!shared) {
      // The shared call has its own abort controller: it is cancelled only when every caller waiting on it went away,
      // and each caller waits with its own signal. It is bounded by the per-attempt timeout and the retries.
      const controller = new AbortController();
      const entry: SharedCall = {
        controller,
        waiters: 0,
        promise: this.send<unknown>(path, options, { ...scope, signal: controller.signal, deadline: undefined }),
      };
      entry.promise
        .then(
          (response) => {
            if (options.cacheTtlMs) this.cache.set(key, { until: Date.now() + options.cacheTtlMs, response });
          },
          () => {},
        )
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, entry);
      shared = entry;
    }
    return join(shared, scope.signal) as Promise<UpstreamResponse<T | null>>;
  }

  private async send<T>(
    path: string,
    options: RequestOptions,
    scope: RequestScope,
  ): Promise<UpstreamResponse<T | null>> {
    const method = options.method ?? 'GET';
    const route = routeOf(method, path);
    // Worked out once for every attempt.
    const call: PreparedCall = { path: path.replace(/^\//, ''), method, route, searchParams: {} };
    for (const [key, value] of Object.entries(options.searchParams ?? {})) {
      if (value !== undefined) call.searchParams[key] = String(value);
    }
    const idempotent = options.idempotent ?? method === 'GET';
    const attempts = idempotent ? this.policy.retries + 1 : 1;
    let last: GatewayError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const remaining = (scope.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
      if (remaining <= 0) break;
      if (!this.breaker.admit()) {
        throw GatewayError.upstream('UPSTREAM_UNAVAILABLE', this.source, `${route}: circuit open`);
      }
      let wait = 0;
      try {
        const response = await this.limit(() =>
          this.attempt<T>(call, options, scope, Math.min(remaining, this.policy.timeoutMs)),
        );
        this.breaker.success();
        return response;
      } catch (error) {
        const failure = error instanceof AttemptFailure ? error : new AttemptFailure(this.translate(error, route));
        last = failure.error;
        // The caller went away: nothing failed upstream, so nothing is reported (nor counted against the circuit).
        if (scope.signal?.aborted || failure.aborted) throw last;
        this.onFailure?.({ source: this.source, code: last.code, route, detail: last.detail ?? '', attempt });
        if (!failure.retryable) {
          if (failure.countsAsFault) this.breaker.failure();
          else this.breaker.success();
          throw last;
        }
        this.breaker.failure();
        if (failure.waitMs !== null) {
          if (failure.waitMs > this.policy.rateLimitWaitCapMs) throw last;
          wait = failure.waitMs;
        } else {
          wait = Math.random() * Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** (attempt - 1));
        }
      }
      if (attempt === attempts) break;
      if (Date.now() + wait >= (scope.deadline ?? Number.POSITIVE_INFINITY)) break;
      await sleep(wait, scope.signal).catch(() => {});
      if (scope.signal?.aborted) break;
    }
    throw last ?? GatewayError.upstream('UPSTREAM_TIMEOUT', this.source, `${route}: request budget spent`);
  }

  private async attempt<T>(
    { path, method, route, searchParams }: PreparedCall,
    options: RequestOptions,
    scope: RequestScope,
    timeoutMs: number,
  ): Promise<UpstreamResponse<T | null>> {
    let response: Response;
    try {
      response = await this.ky(path, {
        method,
        searchParams,
        timeout: timeoutMs,
        ...(scope.signal ? { signal: scope.signal } : {}),
        ...(scope.headers ? { headers: scope.headers } : {}),
        ...(options.json === undefined ? {} : { json: options.json }),
      });
    } catch (error) {
      if (error instanceof HTTPError) {
        const status = error.response.status;
        if (options.allow?.includes(status)) {
          await error.response.body?.cancel().catch(() => {});
          return { status, headers: error.response.headers, body: null };
        }
        void error.response.body?.cancel().catch(() => {});
        const translated = this.translate(error, route);
        const retryable = RETRYABLE.has(status);
        const wait = status === 429 ? rateLimitWait(error.response.headers) : null;
        // A 429 with no wait named is retried with ordinary backoff.
        throw new AttemptFailure(translated, retryable, wait, status >= 500 || status === 408);
      }
      const translated = this.translate(error, route);
      // An abort is the caller going away (or the response being done): no retry, and not the upstream's fault.
      const aborted = scope.signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
      throw new AttemptFailure(translated, !aborted, null, !aborted, aborted);
    }
    const text = await this.readBody(response, route);
    try {
      return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
    } catch {
      throw new AttemptFailure(
        GatewayError.upstream('UPSTREAM_BAD_RESPONSE', this.source, `${route}: body is not JSON`),
        false,
        null,
        false,
      );
    }
  }

  /** Reads the body up to the size cap, so a runaway answer cannot take the gateway's memory. */
  private async readBody(response: Response, route: string): Promise<string> {
    const tooLarge = () =>
      new AttemptFailure(
        GatewayError.upstream(
          'UPSTREAM_BAD_RESPONSE',
          this.source,
          `${route}: body over ${this.policy.maxBodyBytes} bytes`,
        ),
        false,
        null,
        false,
      );
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.policy.maxBodyBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    if (!response.body) return '';
    const decoder = new TextDecoder();
    let size = 0;
    let text = '';
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.policy.maxBodyBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  }

  private translate(error: unknown, route: string): GatewayError {
    if (error instanceof GatewayError) return error;
    if (error instanceof HTTPError) {
      const status = error.response.status;
      const detail = `${route}: HTTP ${status}`;
      if (status === 401 || status === 402 || status === 403) {
        return GatewayError.upstream('UPSTREAM_UNAUTHORIZED', this.source, detail);
      }
      if (status === 429) return GatewayError.upstream('UPSTREAM_RATE_LIMITED', this.source, detail);
      if (status === 408) return GatewayError.upstream('UPSTREAM_TIMEOUT', this.source, detail);
      if (status >= 500) return GatewayError.upstream('UPSTREAM_UNAVAILABLE', this.source, detail);
      return GatewayError.upstream('UPSTREAM_BAD_RESPONSE', this.source, detail);
    }
    if (error instanceof TimeoutError)
      return GatewayError.upstream('UPSTREAM_TIMEOUT', this.source, `${route}: timeout`);
    // Network failures (fetch's TypeError): connection refused, reset, DNS; or the caller went away.
    const name = error instanceof Error ? error.name : 'error';
    return GatewayError.upstream('UPSTREAM_UNAVAILABLE', this.source, `${route}: ${name}`);
  }
}

/** One failed attempt and what it means for the next. */
class AttemptFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly retryable = false,
    /** The wait a 429 named, ms; null for ordinary backoff. */
    readonly waitMs: number | null = null,
    /** Whether it says the upstream is unwell (counts toward the circuit breaker). */
    readonly countsAsFault = retryable,
    /** The call was cut short on our side: says nothing about the upstream. */
    readonly aborted = false,
  ) {
    super(error.message);
  }
}
