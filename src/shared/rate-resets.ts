// What one replica learned of an upstream's 429: the instant its window resets, per source and credential, so that
// every replica waits for it (or refuses, when it is past the request's budget or the wait cap) before calling rather
// than each spending a call to learn it. Kept in this process's memory and, when reachable, in Redis as
// `cg:429:<SOURCE>:<credential digest>` → epoch ms, expiring at that instant.
import { LRUCache } from 'lru-cache';
import type { Source } from '../model.js';
import type { SharedStore } from './redis.js';

export class LearnedResets {
  readonly #store: SharedStore | undefined;
  readonly #local = new LRUCache<string, number>({ max: 10_000 });

  constructor(store: SharedStore | undefined) {
    this.#store = store;
  }

  /** The latest reset known here or shared, epoch ms; 0: none pending. */
  async resetAt(source: Source, credential: string): Promise<number> {
    const local = this.#local.get(`${source}:${credential}`) ?? 0;
    const store = this.#store;
    if (!store) return local;
    const shared = await store.run((client) => client.get(store.key('429', source, credential)));
    const at = Math.max(local, Number(shared ?? 0) || 0);
    return at > Date.now() ? at : 0;
  }

  /** Records a reset at `at` (epoch ms), here at once and in Redis in the background. */
  learn(source: Source, credential: string, at: number): void {
    const ms = Math.ceil(at - Date.now());
    if (ms <= 0) return;
    this.#local.set(`${source}:${credential}`, at, { ttl: ms });
    const store = this.#store;
    if (!store) return;
    void store.run((client) => client.set(store.key('429', source, credential), String(at), 'PX', ms));
  }
}
