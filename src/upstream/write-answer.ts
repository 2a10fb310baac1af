// What a write endpoint answered, as clients hand it to writers: the record, or the refusal to map (user-errors.ts).
import type { UpstreamResponse } from './http/requester.js';

/**
 * The statuses a write reads as a refusal rather than a failure: validation (400, 422), a missing record or route (404),
 * a conflict (409), an operation the upstream lacks (405, 501). Passed as `answer` (requester.ts).
 */
export const REFUSALS = [400, 404, 405, 409, 422, 501];

/**
 * A write's answer: `ok` with the parsed record (null when the upstream answered no body, e.g. a 204), or a refusal
 * with its status and its body parsed when JSON (else null). The body never goes into a message or a log.
 */
export type Written<T> = { ok: true; status: number; value: T | null } | { ok: false; status: number; body: unknown };

/** `response` (a call made with `answer: REFUSALS`) as a Written, the 2xx body checked by `parse` (which throws). */
export function written<T>(response: UpstreamResponse<unknown>, parse: (body: unknown) => T): Written<T> {
  const { status, body } = response;
  if (status < 200 || status > 299) return { ok: false, status, body };
  return { ok: true, status, value: body === null ? null : parse(body) };
}
