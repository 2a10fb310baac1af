// Intercom delivers each notification at least once (shared/upstreams/intercom.md, "Webhooks"): the same `id` can
// arrive again, on this replica or another. A notification id is claimed once: in a bounded LRU here and, with Redis
// (REDIS_URL), by `SET NX` with a TTL, so a retry reaching another replica is not published twice either.
import { LRUCache } from 'lru-cache';
import { INTERCOM_WEBHOOKS } from '../defaults.js';
import type { SharedStore } from '../shared/redis.js';

export interface SeenNotificationsOptions {
  /** Ids remembered in this process; the least recently seen is forgotten first. */
  max?: number;
  /** With Redis: how long a claimed id is kept there, ms. */
  ttlMs?: number;
  store?: SharedStore | undefined;
}

export class SeenNotifications {
  readonly #seen: LRUCache<string, true>;
  readonly #ttlMs: number;
  readonly #store: SharedStore | undefined;

  constructor(options: SeenNotificationsOptions = {}) {
    this.#seen = new LRUCache({ max: options.max ?? INTERCOM_WEBHOOKS.seenIds });
    this.#ttlMs = options.ttlMs ?? INTERCOM_WEBHOOKS.seenTtlMs;
    this.#store = options.store;
  }

  /** True the first time `id` is claimed (by any replica sharing the Redis), false for a redelivery. */
  async claim(id: string): Promise<boolean> {
    if (this.#seen.has(id)) return false;
    // Marked before Redis answers: a second delivery arriving meanwhile here is a duplicate too.
    this.#seen.set(id, true);
    const store = this.#store;
    if (!store) return true;
    const claimed = await store.run((client) => client.set(store.key('whk', id), '1', 'PX', this.#ttlMs, 'NX'));
    // Redis down or slow (undefined): this process's memory decides, as for every shared state (src/shared/redis.ts).
    return claimed !== null;
  }
}
