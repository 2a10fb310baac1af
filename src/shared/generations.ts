// Write generations shared by every replica: a write made with a credential moves that credential to a new
// generation, and cache keys (responses, upstream answers) carry it, so nothing cached before the write is served
// after it on any replica. Stored as `cg:gen:<scope>:<credential digest>` → an opaque unique token, kept a day (far
// longer than any cache TTL). With Redis down each process counts alone (src/writes/generations.ts's rule), and the
// key it makes cannot collide with a shared token, so memory entries made while shared are not served as current.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SharedStore } from './redis.js';

const KEEP_MS = 24 * 60 * 60 * 1000;

export class SharedGenerations {
  readonly #store: SharedStore | undefined;
  readonly #scope: string;
  readonly #local: LRUCache<string, number>;

  /** `scope`: whose generations (e.g. `rc` for the response cache, a source name for upstream answers). */
  constructor(store: SharedStore | undefined, scope: string, maxCredentials = 10_000) {
    this.#store = store;
    this.#scope = scope;
    this.#local = new LRUCache({ max: maxCredentials });
  }

  /** The credential's current generation: the shared token (`s…`), or this process's count (`l…`) without Redis. */
  async current(credential: string): Promise<string> {
    const store = this.#store;
    const local = `l${this.#local.get(credential) ?? 0}`;
    if (!store) return local;
    const shared = await store.run((client) => client.get(store.key('gen', this.#scope, credential)));
    if (shared === undefined) return local;
    // Never written (or Redis restarted empty): the Redis instance's run id, so that answers kept in memory under a
    // generation of an earlier Redis are not taken for current ones.
    return shared === null ? `s0.${store.runId}` : `s${shared}`;
  }

  /** A write by `credential`: a new generation here and, when reachable, on every replica. */
  async bump(credential: string): Promise<void> {
    this.#local.set(credential, (this.#local.get(credential) ?? 0) + 1);
    const store = this.#store;
    if (!store) return;
    await store.run((client) => client.set(store.key('gen', this.#scope, credential), randomUUID(), 'PX', KEEP_MS));
  }
}
