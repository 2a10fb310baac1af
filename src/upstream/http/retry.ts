// The retry decision. Our own few lines rather than ky's or cockatiel's retry: ky's retries the fetch but not the
// body read, and waits its cap where we must fail at once; cockatiel's cannot see a per-call budget and its waits
// cannot be cancelled. Here every wait fits the request's remaining budget and ends when the caller leaves.
import type { AttemptFailure } from './failure.js';
import type { UpstreamPolicy } from './policy.js';

/**
 * How long to wait before attempt `attempt + 1`, ms, or null to give up now (answering the failure at once):
 * - not retryable, or `attempt` was the last of `maxAttempts`;
 * - a rate-limit wait longer than the cap;
 * - a wait that would end at or after `deadline` (epoch ms): no attempt could start in the budget.
 * Ordinary backoff is full jitter: a random time up to min(maxBackoffMs, backoffMs·2^(attempt−1)).
 */
export function retryDelay(
  failure: AttemptFailure,
  attempt: number,
  maxAttempts: number,
  policy: Pick<UpstreamPolicy, 'backoffMs' | 'maxBackoffMs' | 'rateLimitWaitCapMs'>,
  deadline: number,
  now = Date.now(),
): number | null {
  if (!failure.retryable || attempt >= maxAttempts) return null;
  const named = failure.waitMs;
  if (named !== null && named > policy.rateLimitWaitCapMs) return null;
  const wait = named ?? Math.random() * Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
  return now + wait >= deadline ? null : wait;
}
