// The numbers that bound every upstream call. Defaults: src/defaults.ts (UPSTREAM_DEFAULTS); configuration:
// src/config.ts. The README's "Failures and limits" section describes the model these numbers make.

/** How one source is called; every field is optional in configuration and defaults to UPSTREAM_DEFAULTS. */
export interface UpstreamPolicy {
  /** One attempt, ms, from sending the request to the last byte of the body (a stalled or dribbling body included). */
  timeoutMs: number;
  /** Extra attempts for reads (GET, and POSTs marked idempotent) on network errors, timeouts, 408, 429 and 5xx. */
  retries: number;
  /** Backoff: attempt n waits a random time up to min(maxBackoffMs, backoffMs·2ⁿ⁻¹) (full jitter), ms. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Longest Retry-After / X-RateLimit-Reset worth waiting, ms; longer (or past the budget) is UPSTREAM_RATE_LIMITED. */
  rateLimitWaitCapMs: number;
  /** Consecutive failed attempts that open a circuit (per source and credential), and how long it stays open, ms. */
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Calls in flight at once per source and credential, and how many more may queue for a slot. */
  concurrency: number;
  queueLimit: number;
  /** Credentials whose circuit and slots are remembered per source; the least recently used is dropped. */
  maxCredentials: number;
  /** Largest response body read, bytes; a larger one is UPSTREAM_BAD_RESPONSE. */
  maxBodyBytes: number;
  /** Bytes of bodies read at once over every source of the process (when no shared BodyBudget is given). */
  bodyBudgetBytes: number;
  /** Bytes of short-lived answers (`cacheTtlMs` reads) kept per source, over every credential. */
  cacheMaxBytes: number;
  /** Identical reads in flight (same credential, method, path, query and body) share one upstream call. */
  dedupe: boolean;
}
