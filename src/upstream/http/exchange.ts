// One HTTP exchange with an upstream: request out, status checked, body read and parsed, all under one signal.
import type { Source } from '../../model.js';
import { type BodyLimits, readBody } from './body.js';
import { badResponse, neverConnected, statusFailure } from './failure.js';
import { rateLimitWait } from './rate-limit.js';
import type { HttpMethod, RequestOptions, UpstreamResponse } from './requester.js';
import type { Wire, WireResponse } from './wire.js';

/**
 * A call's method, path (relative to the base URL, no leading slash), route template for logs, and query, shared by
 * its attempts.
 */
export interface PreparedCall {
  method: HttpMethod;
  path: string;
  route: string;
  searchParams: Record<string, string>;
  /** May be retried (GETs, POSTs that only read, PUTs and DELETEs their caller marked idempotent). */
  idempotent: boolean;
  /** Changes the upstream (not a GET, not a read-only POST): never shared or cached; drops the credential's reads. */
  write: boolean;
  options: RequestOptions;
}

/** Statuses a proxy answers for an origin it lost: a write answered so may still have been made. */
const OUTCOME_UNKNOWN_STATUSES = new Set([502, 504]);

/** What one attempt got to, for telling whether a failed write may have reached the upstream. */
export interface Progress {
  /** The request was handed to the wire: it may have been sent (unless the connection was refused). */
  sent: boolean;
  /** A status other than 2xx (and other than a proxy's 502/504) came back: the upstream refused, so nothing was done. */
  answered: boolean;
}

/**
 * Sends `call` once through `wire` and reads the whole answer before `signal` aborts. A 2xx answers its parsed JSON
 * (an empty body, e.g. a 204, answers null); a status in `options.allow` answers `body: null` without reading the body; a status in
 * `options.answer` answers its body parsed when it is JSON (else null), never thrown. `progress` is updated as the
 * attempt goes (see Progress).
 * @throws AttemptFailure for any other status (3xx included: redirects are never followed), a body over
 *   `body.maxBytes` or the process's body budget, or a body that is not JSON; whatever the wire throws (network
 *   errors, the signal's abort) otherwise.
 */
export async function exchange<T>(
  wire: Wire,
  call: PreparedCall,
  headers: Record<string, string>,
  signal: AbortSignal,
  body: BodyLimits,
  source: Source,
  progress: Progress = { sent: false, answered: false },
): Promise<UpstreamResponse<T | null>> {
  progress.sent = true;
  let response: WireResponse;
  try {
    response = await wire({
      method: call.method,
      path: call.path,
      searchParams: call.searchParams,
      headers,
      json: call.options.json,
      signal,
    });
  } catch (error) {
    // Refused or unresolvable: no connection, so nothing was sent.
    if (neverConnected(error)) progress.sent = false;
    throw error;
  }
  const { status } = response;
  // A refusal tells the outcome (nothing done); a 2xx whose body is then lost leaves the write done but unanswered.
  // A 502 or 504 is an intermediary's answer (a proxy that lost, or gave up on, the origin's): the origin may have
  // made the change, so it tells nothing of the outcome either.
  progress.answered = (status < 200 || status > 299) && !OUTCOME_UNKNOWN_STATUSES.has(status);
  if (call.options.answer?.includes(status)) {
    // A refusal the writer maps to a user error: its body is read (capped), parsed, and kept from messages and logs.
    const { text, bytes } = await readBody(response, body, source, call.route);
    body.budget.give(bytes);
    return { status, headers: response.headers, body: parseOrNull(text) as T | null };
  }
  if (call.options.allow?.includes(status)) {
    await response.cancel();
    return { status, headers: response.headers, body: null };
  }
  if (status < 200 || status > 299) {
    // Error bodies are never read: they may echo our token or the request, and nothing of them reaches anyone.
    await response.cancel();
    const wait = status === 429 || status === 503 ? rateLimitWait(response.headers) : null;
    throw statusFailure(source, call.route, status, wait);
  }
  const { text, bytes } = await readBody(response, body, source, call.route);
  try {
    // A 204, or a write answered with no body at all.
    if (text.trim() === '') return { status, headers: response.headers, body: null };
    return { status, headers: response.headers, body: JSON.parse(text) as T };
  } catch {
    throw badResponse(source, `${call.route}: body is not JSON`);
  } finally {
    body.budget.give(bytes);
  }
}

function parseOrNull(text: string): unknown {
  try {
    return text.trim() === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}
