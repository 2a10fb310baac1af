// The opt-in response cache (RESPONSE_CACHE_TTL_MS) shared through Redis: a Cache for
// @graphql-yoga/plugin-response-cache whose memory tier is the plugin's own in-memory cache (entity invalidation by
// mutations stays as it was, per process) and whose second tier is Redis, so an answer cached by one replica is served
// by every other. Keys are the plugin's response ids, which hash the document, variables and session; the session is
// the upstream credential's digest with its shared write generation (src/yoga.ts), so a write on any replica puts
// every older answer out of reach.
import { type Cache, createInMemoryCache } from '@graphql-yoga/plugin-response-cache';
import type { SharedStore } from './redis.js';
import { SharedCache } from './shared-cache.js';

/** Bytes of answers the memory tier holds (per process), as the in-memory cache has no byte bound of its own. */
const MEMORY_MAX_BYTES = 32 * 1024 * 1024;

/** A response cache over `store`; answers with errors never get here (the plugin does not cache them). */
export function sharedResponseCache(store: SharedStore): Cache {
  const memory = createInMemoryCache();
  const shared = new SharedCache({ store, namespace: 'rc', memoryMaxBytes: MEMORY_MAX_BYTES });
  return {
    async get(id) {
      const local = await memory.get(id);
      if (local) return local;
      const text = await shared.get(id);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async set(id, data, entities, ttl) {
      await memory.set(id, data, entities, ttl);
      // ttl is ms (Infinity when unbounded: then not shared, as nothing would ever expire it).
      if (Number.isFinite(ttl) && ttl > 0) await shared.set(id, JSON.stringify(data), ttl);
    },
    invalidate: (entities) => memory.invalidate(entities),
  };
}
