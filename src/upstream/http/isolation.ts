// Per-credential isolation: each (source, credential) pair has its own circuit breaker and its own concurrency slots,
// so one tenant's failing or slow key can neither open the circuit for others nor take their slots.
import {
  type BulkheadPolicy,
  bulkhead,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { AttemptFailure } from './failure.js';
import type { UpstreamPolicy } from './policy.js';

/** What one credential's calls to one source go through. */
export interface Lane {
  /** Opens after `breakerThreshold` consecutive faulty attempts; after the cooldown one probe goes through. */
  breaker: CircuitBreakerPolicy;
  /** `concurrency` attempts at once; `queueLimit` more wait; past that an attempt is refused at once. */
  bulkhead: BulkheadPolicy;
}

/**
 * The lanes of one source, by credential digest: the gateway's own credential's lane for good, and callers' own
 * credentials' lanes at most `maxCredentials`, the least recently used dropped (its calls still in flight finish; its
 * next call starts a fresh lane). So a flood of callers' keys can never reset the gateway's own circuit or slots.
 * cockatiel provides the breaker and the bulkhead; lru-cache bounds how many are kept.
 */
export class Lanes {
  readonly #lanes: LRUCache<string, Lane>;
  readonly #policy: UpstreamPolicy;
  readonly #own: { credential: string; lane: Lane };

  constructor(policy: UpstreamPolicy, ownCredential: string) {
    this.#policy = policy;
    this.#lanes = new LRUCache({ max: policy.maxCredentials });
    this.#own = { credential: ownCredential, lane: this.#make() };
  }

  /** The gateway's own credential's lane. */
  own(): Lane {
    return this.#own.lane;
  }

  get(credential: string): Lane {
    if (credential === this.#own.credential) return this.#own.lane;
    let lane = this.#lanes.get(credential);
    if (!lane) {
      lane = this.#make();
      this.#lanes.set(credential, lane);
    }
    return lane;
  }

  #make(): Lane {
    return {
      breaker: circuitBreaker(
        handleWhen((error) => error instanceof AttemptFailure && error.fault),
        {
          halfOpenAfter: this.#policy.breakerCooldownMs,
          breaker: new ConsecutiveBreaker(this.#policy.breakerThreshold),
        },
      ),
      bulkhead: bulkhead(this.#policy.concurrency, this.#policy.queueLimit),
    };
  }
}
