// What upstream clients see of the transport: one source, one request's scope. The transport itself is
// src/upstream/http/upstream-http.ts.
import type { Source } from '../../model.js';
import type { HeaderReader } from './wire.js';

/** What one GraphQL request lends its upstream calls. */
export interface RequestScope {
  /**
   * Aborts when nobody wants the answer any more (the caller, and every caller that joined it, went away), when the
   * request's budget is spent (reason: a `DeadlineExceeded`), or when the gateway stops.
   */
  signal?: AbortSignal | undefined;
  /** Epoch ms after which no attempt starts and no wait is taken. */
  deadline?: number | undefined;
  /** Replaces the source's default headers for this request (a caller's own credential). */
  headers?: Record<string, string> | undefined;
}

export interface UpstreamResponse<T> {
  status: number;
  headers: HeaderReader;
  body: T;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Default GET. Anything but a GET, or a POST marked `idempotent`, is a write (see upstream-http.ts: coherence). */
  method?: HttpMethod;
  searchParams?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Statuses answered as data (`body: null`) rather than as errors, e.g. 404 for a plain miss. */
  allow?: number[];
  /**
   * Statuses answered as data with their body read: `{ status, body }`, the body parsed when it is JSON, else null;
   * never thrown. For writes that map an upstream's refusals (400, 404, 405, 409, 422, 501) to user errors. The body
   * is for the writer's mapping only: it must never reach a message or a log.
   */
  answer?: number[];
  /**
   * May be retried: GETs by default; a POST that only reads (a search: then also shared in flight and cached like a
   * GET), or a write that is idempotent by nature (PUT, DELETE: retried, never shared). Non-idempotent calls get one
   * attempt, and a failure after the request may have reached the upstream is an OutcomeUnknownError (failure.ts).
   */
  idempotent?: boolean;
  /**
   * Changes the upstream. Default: any method but GET, except a POST marked `idempotent` (a search). Say `true` for a
   * POST that writes yet may be retried (Intercom's tag by id): never shared or cached, and it drops the credential's
   * reads (upstream-http.ts, Coherence).
   */
  write?: boolean;
  /** Added to this call's headers (e.g. `Idempotency-Key`); never an Authorization. */
  headers?: Record<string, string>;
  /** Keep a successful answer this long, per credential (slowly changing reference data such as a tag list), ms. */
  cacheTtlMs?: number;
  /** An earlier deadline than the request's for this call (epoch ms), e.g. one source's share of a list's budget. */
  deadline?: number | undefined;
}

/** What clients call: one source, one request's scope. Every failure is a GatewayError with the source's code. */
export interface Requester {
  readonly source: Source;
  request<T>(path: string, options?: RequestOptions): Promise<UpstreamResponse<T | null>>;
}
