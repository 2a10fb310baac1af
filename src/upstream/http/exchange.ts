// One HTTP exchange with an upstream: request out, status checked, body read and parsed, all under one signal.
import type { KyInstance } from 'ky';
import type { Source } from '../../model.js';
import { type BodyLimits, readBody } from './body.js';
import { badResponse, statusFailure } from './failure.js';
import { rateLimitWait } from './rate-limit.js';
import type { RequestOptions, UpstreamResponse } from './requester.js';

/** A call's method, ky path (no leading slash), route template for logs, and query, shared by its attempts. */
export interface PreparedCall {
  method: 'GET' | 'POST';
  path: string;
  route: string;
  searchParams: Record<string, string>;
  /** May be retried and shared (GETs, and POSTs that only read). */
  idempotent: boolean;
  options: RequestOptions;
}

/**
 * Sends `call` once and reads the whole answer before `signal` aborts. A 2xx answers its parsed JSON (an empty 204
 * answers null); a status in `options.allow` answers `body: null` without reading the body.
 * @throws AttemptFailure for any other status (3xx included: redirects are never followed), a body over
 *   `body.maxBytes` or the process's body budget, or a body that is not JSON; whatever fetch throws (network errors, the signal's abort) otherwise.
 */
export async function exchange<T>(
  ky: KyInstance,
  call: PreparedCall,
  headers: Record<string, string> | undefined,
  signal: AbortSignal,
  body: BodyLimits,
  source: Source,
): Promise<UpstreamResponse<T | null>> {
  const response = await ky(call.path, {
    method: call.method,
    searchParams: call.searchParams,
    signal,
    ...(headers ? { headers } : {}),
    ...(call.options.json === undefined ? {} : { json: call.options.json }),
  });
  const { status } = response;
  if (call.options.allow?.includes(status)) {
    await response.body?.cancel().catch(() => {});
    return { status, headers: response.headers, body: null };
  }
  if (status < 200 || status > 299) {
    // Error bodies are never read: they may echo our token or the request, and nothing of them reaches anyone.
    await response.body?.cancel().catch(() => {});
    const wait = status === 429 || status === 503 ? rateLimitWait(response.headers) : null;
    throw statusFailure(source, call.route, status, wait);
  }
  const { text, bytes } = await readBody(response, body, source, call.route);
  try {
    if (text === '' && status === 204) return { status, headers: response.headers, body: null };
    return { status, headers: response.headers, body: JSON.parse(text) as T };
  } catch {
    throw badResponse(source, `${call.route}: body is not JSON`);
  } finally {
    body.budget.give(bytes);
  }
}
