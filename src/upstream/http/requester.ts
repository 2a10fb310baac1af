// What upstream clients see of the transport: one source, one request's scope. The transport itself is
// src/upstream/http/upstream-http.ts.
import type { Source } from '../../model.js';

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
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  searchParams?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Statuses answered as data (`body: null`) rather than as errors, e.g. 404 for a plain miss. */
  allow?: number[];
  /** A POST that only reads (a search) may be retried and shared like a GET. Writes never are. */
  idempotent?: boolean;
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
