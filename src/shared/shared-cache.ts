// A two-tier cache of JSON text: this process's memory first (bounded in bytes), then Redis when configured and up.
// Keys never hold a secret: callers build them from digests. A value is kept for its TTL in both tiers; a value
// larger than SHARED_STORE.maxValueBytes stays in memory only. Nothing is ever deleted: entries that must not be
// served again are out of reach by key (write generations, src/shared/generations.ts) and age out.
import { LRUCache } from 'lru-cache';
import { SHARED_STORE } from '../defaults.js';
import type { SharedStore } from './redis.js';

export interface SharedCacheOptions {
  /** The Redis connection; undefined: memory only. */
  store?: SharedStore | undefined;
  /** The key's namespace after the prefix, e.g. `ans` (upstream answers), `rc` (responses), `apq`. */
  namespace: string;
  /** Bytes of text kept in memory (UTF-16 length, near enough). */
  memoryMaxBytes: number;
  /** Most entries kept in memory; default no bound but the bytes. */
  memoryMaxEntries?: number | undefined;
}

/** Text by key, in memory and (when configured) in Redis: one replica's entry is every replica's. */
export class SharedCache {
  readonly #store: SharedStore | undefined;
  readonly #namespace: string;
  readonly #memory: LRUCache<string, string>;

  constructor(options: SharedCacheOptions) {
    this.#store = options.store;
    this.#namespace = options.namespace;
    this.#memory = new LRUCache<string, string>({
      maxSize: options.memoryMaxBytes,
      ...(options.memoryMaxEntries ? { max: options.memoryMaxEntries } : {}),
      sizeCalculation: (value, key) => Math.max(1, value.length + key.length),
    });
  }

  /** The text under `key`: from memory, else from Redis (then kept in memory for what is left of its TTL). */
  async get(key: string): Promise<string | undefined> {
    const local = this.#memory.get(key);
    if (local !== undefined || !this.#store) return local;
    const store = this.#store;
    const found = await store.run((client) =>
      client.multi().get(store.key(this.#namespace, key)).pttl(store.key(this.#namespace, key)).exec(),
    );
    const text = found?.[0]?.[1];
    const ttl = found?.[1]?.[1];
    if (typeof text !== 'string') return undefined;
    if (typeof ttl === 'number' && ttl > 0) this.#memory.set(key, text, { ttl });
    return text;
  }

  /** Keeps `text` under `key` for `ttlMs`, here and (when it fits) in Redis; a Redis failure keeps it here only. */
  async set(key: string, text: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    this.#memory.set(key, text, { ttl: ttlMs });
    const store = this.#store;
    if (!store || text.length > SHARED_STORE.maxValueBytes) return;
    await store.run((client) => client.set(store.key(this.#namespace, key), text, 'PX', Math.ceil(ttlMs)));
  }

  /** Memory only: forgets every key starting with `prefix` here (Redis entries age out, unreachable by key). */
  forgetLocal(prefix: string): void {
    for (const key of [...this.#memory.keys()]) if (key.startsWith(prefix)) this.#memory.delete(key);
  }
}
