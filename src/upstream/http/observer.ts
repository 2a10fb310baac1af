// What the transport tells about its work, for metrics and traces (src/plugins/use-metrics.ts, use-tracing.ts). Only
// route templates, statuses and codes: never a URL, token or body.
import type { Source } from '../../model.js';

/** How one upstream call (one `request()` of a client) was answered. */
export type UpstreamServedBy = 'network' | 'cache' | 'shared';

/** One attempt that went to the network: its outcome and timing. */
export interface UpstreamAttemptEvent {
  source: Source;
  method: string;
  /** e.g. `GET /contacts/{id}`. */
  route: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status; null when none came back (network error, timeout, refused before sending). */
  status: number | null;
  /** The contract error code when the attempt failed (UPSTREAM_TIMEOUT, …); null when it succeeded. */
  code: string | null;
  /** From the attempt's start to its answer or failure, ms. */
  durationMs: number;
}

/** One call as its caller saw it: from the network (after however many attempts), a cached answer, or a shared read. */
export interface UpstreamCallEvent {
  source: Source;
  method: string;
  route: string;
  servedBy: UpstreamServedBy;
  /** The final status; null when the call failed without one. */
  status: number | null;
  code: string | null;
  /** Attempts made (0 when served from cache or by a shared read). */
  attempts: number;
  durationMs: number;
}

/**
 * Hooks the transport calls; every member optional and called synchronously (keep them cheap, never throw).
 * `startCall` may return a function called when the call ends (a span's end), receiving the call's event.
 */
export interface UpstreamObserver {
  startCall?(source: Source, method: string, route: string): ((event: UpstreamCallEvent) => void) | undefined;
  attempt?(event: UpstreamAttemptEvent): void;
  /** A retry decided (after a failed attempt), waiting `waitMs`; `rateLimited` when a 429 named the wait. */
  retry?(source: Source, route: string, waitMs: number, rateLimited: boolean): void;
  /** A call held back by the rate budget or a learned 429 reset, waiting `waitMs` (0: refused at once). */
  rateLimitWait?(source: Source, waitMs: number, refused: boolean): void;
  /** A credential's circuit for `source` changed state. */
  breaker?(source: Source, state: 'closed' | 'open' | 'half-open'): void;
}
