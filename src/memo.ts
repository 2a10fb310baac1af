// A bounded memo for pure string functions that are costly and see the same inputs again and again (the same
// contact's phone in every page that lists it). Kept by lru-cache, bounded in bytes.
import { LRUCache } from 'lru-cache';

/** Estimated heap of one entry: the key and value strings (UTF-16) and the cache's own node, bytes. */
const entryBytes = (key: string, value: string | null) => 2 * key.length + 2 * (value?.length ?? 0) + 120;

/**
 * `fn` answered from a cache of at most `maxBytes` (estimated heap, see entryBytes) of its past answers, least
 * recently used first out. `fn` must be pure: same key, same answer. Keys are whatever `keyOf` makes of the arguments.
 */
export function memoize<A extends unknown[]>(
  fn: (...args: A) => string | null,
  keyOf: (...args: A) => string,
  maxBytes: number,
): (...args: A) => string | null {
  // lru-cache keeps no null or undefined values: null is kept as this marker.
  const NONE = '\u0000none';
  const cache = new LRUCache<string, string>({
    maxSize: maxBytes,
    sizeCalculation: (value, key) => entryBytes(key, value),
  });
  return (...args: A) => {
    const key = keyOf(...args);
    const kept = cache.get(key);
    if (kept !== undefined) return kept === NONE ? null : kept;
    const value = fn(...args);
    cache.set(key, value ?? NONE);
    return value;
  };
}
