// Error translation, in one place: whatever one attempt ends with (an HTTP status, a network error, a timeout, the
// circuit or the queue refusing, the deadline, the caller leaving) becomes an AttemptFailure around a GatewayError
// whose message names the source and never a URL, token or upstream body (ky's and fetch's own messages hold the URL).
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { GatewayError } from '../../errors.js';
import type { Source } from '../../model.js';
import { DeadlineExceeded, GatewayStopping } from './deadline.js';

/** One failed attempt and what it means for the next. */
export class AttemptFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly options: {
      /** Another attempt may help (network errors, timeouts, 408, 429, 5xx). */
      retryable?: boolean;
      /** The wait the upstream named (a 429's Retry-After / X-RateLimit-Reset), ms; null: ordinary backoff. */
      waitMs?: number | null;
      /** It says the upstream is unwell: counts toward the circuit breaker. */
      fault?: boolean;
      /** Ended on our side (the caller left, the gateway stops): nothing to report, nothing to retry. */
      quiet?: boolean;
    } = {},
  ) {
    super(error.message);
    this.name = 'AttemptFailure';
  }

  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get waitMs(): number | null {
    return this.options.waitMs ?? null;
  }
  get fault(): boolean {
    return this.options.fault ?? false;
  }
  get quiet(): boolean {
    return this.options.quiet ?? false;
  }
}

/**
 * The wait after a 429 that names none we can read (no header, `0`, `abc`, a past instant): a second at least, so
 * that retries do not spend the tenant's quota (shared/upstreams/backside.md: "throttle itself rather than burn the
 * tenant's quota on retries"). Still within the cap and the budget.
 */
export const RATE_LIMITED_MIN_WAIT_MS = 1_000;

/** Statuses worth another attempt of a read. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** An HTTP answer that is not a success the caller allowed. `waitMs` is what a 429 or 503 asked for. */
export function statusFailure(source: Source, route: string, status: number, waitMs: number | null): AttemptFailure {
  const detail = `${route}: HTTP ${status}`;
  const upstream = (code: Parameters<typeof GatewayError.upstream>[0]) => GatewayError.upstream(code, source, detail);
  if (status >= 300 && status < 400) {
    // Redirects are never followed: another host would get our token (and a 307 our request body).
    return new AttemptFailure(upstream('UPSTREAM_BAD_RESPONSE'));
  }
  if (status === 401 || status === 402 || status === 403) return new AttemptFailure(upstream('UPSTREAM_UNAUTHORIZED'));
  if (status === 429) {
    // A 429 is the upstream pacing this credential, not being unwell: it never opens the circuit.
    const wait = Math.max(waitMs ?? 0, RATE_LIMITED_MIN_WAIT_MS);
    return new AttemptFailure(upstream('UPSTREAM_RATE_LIMITED'), { retryable: true, waitMs: wait });
  }
  if (status === 408) return new AttemptFailure(upstream('UPSTREAM_TIMEOUT'), { retryable: true, fault: true });
  if (status >= 500) {
    const retryable = RETRYABLE.has(status);
    return new AttemptFailure(upstream('UPSTREAM_UNAVAILABLE'), { retryable, waitMs, fault: true });
  }
  return new AttemptFailure(upstream('UPSTREAM_BAD_RESPONSE'));
}

/** An answer we will not use (not JSON, too large, the wrong shape): not retried, not the upstream being unwell. */
export function badResponse(source: Source, detail: string): AttemptFailure {
  return new AttemptFailure(GatewayError.upstream('UPSTREAM_BAD_RESPONSE', source, detail));
}

/** Whether `signal` aborted because nobody wants the answer any more (not the budget, not the gateway stopping). */
export function callerGone(signal: AbortSignal): boolean {
  return signal.aborted && !(signal.reason instanceof DeadlineExceeded || signal.reason instanceof GatewayStopping);
}

/** Why `signal` aborted, as a failure: the budget spent, the gateway stopping, or the caller gone. */
export function abortFailure(source: Source, route: string, reason: unknown): AttemptFailure {
  if (reason instanceof DeadlineExceeded) {
    return new AttemptFailure(GatewayError.upstream('UPSTREAM_TIMEOUT', source, `${route}: request budget spent`));
  }
  if (reason instanceof GatewayStopping) {
    return new AttemptFailure(GatewayError.upstream('UPSTREAM_UNAVAILABLE', source, `${route}: gateway stopping`), {
      quiet: true,
    });
  }
  // The caller went away: nobody reads the answer, and Yoga logs AbortErrors at debug only.
  const error = GatewayError.upstream('UPSTREAM_UNAVAILABLE', source, `${route}: AbortError`);
  return new AttemptFailure(error, { quiet: true });
}

/**
 * Any error thrown while making an attempt, as an AttemptFailure. `signal` is the call's own (request or shared)
 * signal: when it has aborted, its reason explains the error, whatever the error says.
 */
export function toFailure(error: unknown, source: Source, route: string, signal: AbortSignal): AttemptFailure {
  if (error instanceof AttemptFailure) return error;
  // Already typed (a shared call's answer to each of its waiters).
  if (error instanceof GatewayError) return new AttemptFailure(error);
  if (signal.aborted) return abortFailure(source, route, signal.reason);
  if (error instanceof DeadlineExceeded || error instanceof GatewayStopping) return abortFailure(source, route, error);
  const upstream = (code: Parameters<typeof GatewayError.upstream>[0], why: string) =>
    GatewayError.upstream(code, source, `${route}: ${why}`);
  // The attempt's own timeout (the call's signal is still live): headers, or the body, did not arrive in time.
  if (error instanceof TaskCancelledError) {
    return new AttemptFailure(upstream('UPSTREAM_TIMEOUT', 'attempt timed out'), { retryable: true, fault: true });
  }
  if (error instanceof BrokenCircuitError) return new AttemptFailure(upstream('UPSTREAM_UNAVAILABLE', 'circuit open'));
  if (error instanceof BulkheadRejectedError) {
    return new AttemptFailure(upstream('UPSTREAM_UNAVAILABLE', 'too many calls waiting for this source'));
  }
  // Network failures: connection refused or reset, DNS, a body cut short. The socket's code (ECONNREFUSED, ENOTFOUND,
  // UND_ERR_SOCKET…: undici's error has it, fetch's TypeError has it on its cause) tells operators which; the
  // message could name the host, so not that.
  const name = error instanceof Error ? error.name : 'error';
  const cause = networkCode(error) ?? '';
  const why = /^[A-Z_]+$/.test(cause) ? `${name} ${cause}` : name;
  return new AttemptFailure(upstream('UPSTREAM_UNAVAILABLE', why), { retryable: true, fault: true });
}

/**
 * A write (a non-idempotent call) that failed after its request may have reached the upstream: a network error, a
 * reset, the attempt's timeout or the deadline after the request was handed to fetch, with no status back. The write
 * may or may not have happened, and it was not retried. Same code, source and detail as the failure it stands for
 * (UPSTREAM_TIMEOUT or UPSTREAM_UNAVAILABLE); `outcomeUnknown` is always true. A write refused before sending (circuit
 * open, queue full, deadline passed, connection refused, host not found) stays a plain GatewayError: known not sent.
 */
export class OutcomeUnknownError extends GatewayError {
  readonly outcomeUnknown = true as const;

  /** `message`: ours, safe to show (a writer's, saying what may have happened); default the cause's. */
  constructor(cause: GatewayError, message = cause.message) {
    const detail = cause instanceof OutcomeUnknownError ? cause.detail : `${cause.detail ?? ''}; outcome unknown`;
    super(cause.code, message, cause.source ? { source: cause.source, detail } : { detail });
    this.name = 'OutcomeUnknownError';
  }
}

/** Whether `error` says a write may or may not have happened (see OutcomeUnknownError). */
export function isOutcomeUnknown(error: unknown): error is OutcomeUnknownError {
  return error instanceof OutcomeUnknownError;
}

/** Network errors that mean no byte of the request reached the upstream: the connection was never made. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The socket error code a network failure carries, on the error (undici) or on its cause (fetch's TypeError). */
function networkCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = error.cause as { code?: unknown } | undefined;
  return cause && typeof cause === 'object' && typeof cause.code === 'string' ? cause.code : undefined;
}

/** True when a network error (or its cause) names a failure to connect at all. */
export function neverConnected(error: unknown): boolean {
  const code = networkCode(error);
  return code !== undefined && NEVER_SENT.has(code);
}
