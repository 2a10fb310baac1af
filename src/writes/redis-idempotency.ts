// Idempotency keys shared by every replica (REDIS_URL): the same contract as MemoryIdempotencyStore
// (src/writes/idempotency.ts), kept in Redis so that a retry sent to another replica replays the first result.
//
// One key per scope, `cg:idem:<own credentials digest>:<storeKey digest>` (the latter covers the caller, which carries
// the upstream credential (a caller's own key's digest), the mutation and the caller's key), holding JSON:
//   {"d": inputDigest}            in flight: claimed with SET NX, expiring after SHARED_STORE.pendingTtlMs so that a
//                                 replica dying mid-write frees the key;
//   {"d": inputDigest, "v": text} done: the result's JSON text, kept IDEMPOTENCY.ttlMs (24 h).
// A replica finding a marker with the same digest polls until the result appears, the marker goes (the first call
// failed: this call then runs, as a retry after a failure does), or its wait (`waitMs`) is spent: then
// UPSTREAM_TIMEOUT, and the caller retries with the same key. Calls in one process join each other in memory first.
// Redis down or slow: the call goes to an in-memory store (this process alone), never an error because of Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import { IDEMPOTENCY, REQUEST_BUDGET_MS, SHARED_STORE } from '../defaults.js';
import { GatewayError } from '../errors.js';
import type { SharedStore } from '../shared/redis.js';
import {
  type IdempotencyOutcome,
  type IdempotencyScope,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  replayOf,
  storeKey,
} from './idempotency.js';

export interface RedisIdempotencyOptions {
  /** How long a result is replayed, ms; default IDEMPOTENCY.ttlMs. */
  ttlMs?: number;
  /** How long a call waits for another replica's call in flight with the same key, ms; default REQUEST_BUDGET_MS. */
  waitMs?: number;
  /** Largest result kept (its JSON text), bytes; larger ones are answered, not kept. Default IDEMPOTENCY.maxBytes / 16. */
  maxValueBytes?: number;
  /** A digest of the gateway's own credentials, in every key: gateways with other credentials share nothing. */
  namespace?: string;
}

interface Stored {
  d: string;
  v?: string;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #store: SharedStore;
  readonly #memory: MemoryIdempotencyStore;
  readonly #inFlight = new Map<string, { digest: string; promise: Promise<IdempotencyOutcome<unknown>> }>();
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #maxValueBytes: number;
  readonly #namespace: string;

  constructor(store: SharedStore, options: RedisIdempotencyOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? IDEMPOTENCY.ttlMs;
    this.#waitMs = options.waitMs ?? REQUEST_BUDGET_MS;
    this.#maxValueBytes = options.maxValueBytes ?? IDEMPOTENCY.maxBytes / 16;
    this.#memory = new MemoryIdempotencyStore({ ttlMs: this.#ttlMs });
    this.#namespace = options.namespace ?? '-';
  }

  async run<T>(
    scope: IdempotencyScope,
    inputDigest: string,
    execute: () => Promise<T>,
  ): Promise<IdempotencyOutcome<T>> {
    const key = storeKey(scope);
    const running = this.#inFlight.get(key);
    if (running) {
      if (running.digest !== inputDigest) return { conflict: true };
      const outcome = (await running.promise) as IdempotencyOutcome<T>;
      if (outcome.conflict) return outcome;
      return replayOf<T>(outcome.value);
    }
    const promise = this.#shared(key, scope, inputDigest, execute);
    this.#inFlight.set(key, { digest: inputDigest, promise });
    try {
      return await promise;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #shared<T>(
    key: string,
    scope: IdempotencyScope,
    digest: string,
    execute: () => Promise<T>,
  ): Promise<IdempotencyOutcome<T>> {
    const store = this.#store;
    const redisKey = store.key('idem', this.#namespace, key);
    const until = Date.now() + this.#waitMs;
    for (;;) {
      const marker = JSON.stringify({ d: digest } satisfies Stored);
      const claimed = await store.run((client) => client.set(redisKey, marker, 'PX', SHARED_STORE.pendingTtlMs, 'NX'));
      if (claimed === undefined) return this.#memory.run(scope, digest, execute);
      if (claimed === 'OK') return this.#execute(redisKey, digest, execute);
      const text = await store.run((client) => client.get(redisKey));
      if (text === undefined) return this.#memory.run(scope, digest, execute);
      // Gone between the two commands (done and expired, or the first call failed): claim it again.
      if (text === null) continue;
      const stored = JSON.parse(text) as Stored;
      if (stored.d !== digest) return { conflict: true };
      if (stored.v !== undefined) return { conflict: false, value: JSON.parse(stored.v) as T, replayed: true };
      if (Date.now() + SHARED_STORE.pollMs >= until) {
        throw new GatewayError(
          'UPSTREAM_TIMEOUT',
          'A call with this idempotency key is still in progress; send it again with the same key.',
          { detail: 'idempotency key in flight on another replica' },
        );
      }
      await sleep(SHARED_STORE.pollMs);
    }
  }

  async #execute<T>(redisKey: string, digest: string, execute: () => Promise<T>): Promise<IdempotencyOutcome<T>> {
    const store = this.#store;
    let value: T;
    try {
      value = await execute();
    } catch (error) {
      // A failure is not kept: the key is free for a retry (here or on another replica).
      await store.run((client) => client.del(redisKey));
      throw error;
    }
    const text = JSON.stringify(value);
    if (text === undefined || text.length > this.#maxValueBytes) {
      await store.run((client) => client.del(redisKey));
    } else {
      const done = JSON.stringify({ d: digest, v: text } satisfies Stored);
      await store.run((client) => client.set(redisKey, done, 'PX', this.#ttlMs));
    }
    return { conflict: false, value, replayed: false };
  }
}
