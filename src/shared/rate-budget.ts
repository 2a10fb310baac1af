// The upstream rate budget (BACKSIDE_RATE_LIMIT_PER_MIN, INTERCOM_RATE_LIMIT_PER_MIN): calls to the network per minute
// per source and credential, counted over every replica in Redis (rate-limiter-flexible's RateLimiterRedis: one
// counter per key and minute-long window that starts at its first call, atomically incremented by a Lua script).
// Redis down, slow or not ready: its insurance limiter counts in this process's memory, with the budget divided by
// GATEWAY_REPLICAS, so the fleet as a whole still stays within it. Without Redis: memory only, the whole budget.
// Keys: `cg:rl:<SOURCE>:<credential digest>`.
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Source } from '../model.js';
import type { SharedStore } from './redis.js';

export interface RateBudgetOptions {
  /** Calls a minute per source (and credential); 0 or absent: no budget for that source. */
  perMinute: Partial<Record<Source, number>>;
  /** Replicas sharing the budget: each counts budget / replicas (at least 1) while Redis is unreachable. */
  replicas: number;
  /** Redis; undefined: this process's memory, the whole budget. */
  store?: SharedStore | undefined;
}

const WINDOW_S = 60;

export class RateBudget {
  readonly #limiters: Partial<Record<Source, RateLimiterAbstract>> = {};
  /** With Redis: each source's insurance limiter, used directly while Redis is known to be down or slow. */
  readonly #insurance: Partial<Record<Source, RateLimiterAbstract>> = {};
  readonly #store: SharedStore | undefined;

  constructor(options: RateBudgetOptions) {
    this.#store = options.store;
    for (const [source, points] of Object.entries(options.perMinute) as [Source, number | undefined][]) {
      if (!points || points <= 0) continue;
      const local = (share: number) =>
        new RateLimiterMemory({ keyPrefix: `rl:${source}`, points: share, duration: WINDOW_S });
      const insurance = local(Math.max(1, Math.floor(points / Math.max(1, options.replicas))));
      if (options.store) this.#insurance[source] = insurance;
      this.#limiters[source] = options.store
        ? new RateLimiterRedis({
            storeClient: options.store.client,
            keyPrefix: `${options.store.prefix}rl:${source}`,
            points,
            duration: WINDOW_S,
            // Not connected: count in memory at once rather than fail.
            rejectIfRedisNotReady: true,
            insuranceLimiter: insurance,
          })
        : local(points);
    }
  }

  /** Whether `source` has a budget at all (no budget: no Redis round trip per call). */
  has(source: Source): boolean {
    return this.#limiters[source] !== undefined;
  }

  /**
   * Takes a token for one call: 0 when taken, else the ms until the window frees one (nothing taken). Never throws:
   * a limiter failure other than "over budget" lets the call go (the upstream's own 429 still paces us).
   */
  async take(source: Source, credential: string): Promise<number> {
    // Known down or slow: count locally at once rather than pay a command's timeout first.
    const down = this.#store !== undefined && this.#store.health() !== 'ok';
    const limiter = (down ? this.#insurance[source] : undefined) ?? this.#limiters[source];
    if (!limiter) return 0;
    try {
      await limiter.consume(credential);
      return 0;
    } catch (error) {
      if (error instanceof RateLimiterRes) return Math.max(1, error.msBeforeNext);
      return 0;
    }
  }
}
