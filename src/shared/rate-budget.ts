// The upstream rate budget (BACKSIDE_RATE_LIMIT_PER_MIN, INTERCOM_RATE_LIMIT_PER_MIN): calls to the network per minute
// per source and credential, counted over every replica in Redis (rate-limiter-flexible's RateLimiterRedis: one
// counter per key and minute-long window that starts at its first call, atomically incremented by a Lua script).
// Redis not connected, or the budget's own command failing: this process's memory counts, with the budget divided by
// GATEWAY_REPLICAS, so the fleet as a whole still stays within it. Only the counter's own failures decide that (its
// command has a longer bound than other Redis uses, SHARED_STORE.directCommandTimeoutMs): a counting command that
// merely ran late under a busy event loop has counted in Redis, and counting it locally too would spend the budget
// twice. Without Redis: memory only, the whole budget.
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
/** After the budget's Redis command failed, how long it counts locally before asking Redis again, ms. */
const LOCAL_AFTER_FAILURE_MS = 1_000;

export class RateBudget {
  readonly #limiters: Partial<Record<Source, RateLimiterAbstract>> = {};
  /** With Redis: each source's insurance limiter, used directly while Redis is known to be down or slow. */
  readonly #insurance: Partial<Record<Source, RateLimiterAbstract>> = {};
  readonly #store: SharedStore | undefined;
  /** Until then (epoch ms) the budget counts locally: its Redis command failed (the insurance limiter counted it). */
  #localUntil = 0;

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
            // Not connected: fail at once, and the local share counts (see take).
            rejectIfRedisNotReady: true,
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
    // Not connected, or the budget's own command failed a moment ago: count locally at once rather than pay a
    // command's timeout first. Not the store's health: another command's timeout (an event loop stalled under load)
    // says nothing of this counter, and counting locally beside a Redis that still counts spends the budget twice.
    const local = this.#store !== undefined && (this.#store.client.status !== 'ready' || Date.now() < this.#localUntil);
    const insurance = this.#insurance[source];
    const limiter = (local ? insurance : undefined) ?? this.#limiters[source];
    if (!limiter) return 0;
    try {
      await limiter.consume(credential);
      return 0;
    } catch (error) {
      if (error instanceof RateLimiterRes) return Math.max(1, error.msBeforeNext);
      // Redis failed this call (not connected, or no answer within its bound): this process's share counts it, and
      // the next calls for a moment too.
      if (!insurance || limiter === insurance) return 0;
      this.#localUntil = Date.now() + LOCAL_AFTER_FAILURE_MS;
      return this.take(source, credential);
    }
  }
}
