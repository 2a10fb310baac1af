// How long an upstream asks us to wait before calling again.

/**
 * The wait a 429 (or 503) names, ms, or null when it names none.
 * - `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Backside sends seconds (shared/upstreams/backside.md).
 * - else `X-RateLimit-Reset`: unix seconds of the window's reset. Intercom sends only this on a 429
 *   (shared/upstreams/intercom.md, "Errors and limits"). It has one-second granularity, so a reset named as second T
 *   may happen as late as T + 0.999: we wait to the end of that second, never too early (a reset "2 s away" may be
 *   2.99 s away).
 */
export function rateLimitWait(headers: Pick<Headers, 'get'>, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    // RFC 9110 says whole seconds; a fraction ("1.5") is read rather than ignored.
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, (Number(reset) + 1) * 1000 - now);
  return null;
}
