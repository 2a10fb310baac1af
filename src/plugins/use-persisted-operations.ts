import { createHash } from 'node:crypto';
import { type APQStore, useAPQ } from '@graphql-yoga/plugin-apq';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { APQ_STORE } from '../defaults.js';
import type { SharedStore } from '../shared/redis.js';
import { SharedCache } from '../shared/shared-cache.js';
import type { PersistedOperation } from './use-persisted-manifest.js';

/** How long a registered document is kept in Redis, ms: a client whose hash is forgotten resends the text once. */
const APQ_SHARED_TTL_MS = 24 * 60 * 60 * 1000;

export interface PersistedOptions {
  /** Trusted documents (Apollo's persisted-query manifest, read at the edge), served by id; undefined: none. */
  operations?: readonly PersistedOperation[] | undefined;
  /**
   * With `operations`: false refuses every other document (and APQ registrations) before anything runs; default true.
   */
  allowArbitraryOperations?: boolean | undefined;
  /** Bound of the automatic persisted queries kept in memory; default src/defaults.ts APQ_STORE. */
  apqStore?: { maxEntries: number; maxBytes: number } | undefined;
  /** Redis (REDIS_URL): registrations shared by every replica (`cg:apq:<sha256>`); undefined: memory only. */
  shared?: SharedStore | undefined;
}

/**
 * Automatic persisted queries, as Apollo Client's `createPersistedQueryLink` speaks them: a hash-only request the
 * store does not know answers `PersistedQueryNotFound` (that message is what clients match: Apollo Client by message
 * or code, and our contract code for it is BAD_USER_INPUT, HTTP 404), the client resends with the query, which is
 * kept under its sha256 (checked) for later hash-only requests. The store is an LRU bounded by count and bytes.
 */
export function apqStore(
  bound: { maxEntries: number; maxBytes: number },
  trusted?: ReadonlyMap<string, string>,
  shared?: SharedStore,
): APQStore {
  if (shared) {
    // Both tiers: this process's memory (same bound), then Redis, so one replica's registration serves every other.
    const cache = new SharedCache({
      store: shared,
      namespace: 'apq',
      memoryMaxBytes: bound.maxBytes,
      memoryMaxEntries: bound.maxEntries,
    });
    return {
      get: (hash) => trusted?.get(hash) ?? cache.get(hash).then((query) => query ?? null),
      set: async (hash, query) => {
        if (!trusted?.has(hash)) await cache.set(hash, query, APQ_SHARED_TTL_MS);
      },
    };
  }
  const kept = new LRUCache<string, string>({
    max: bound.maxEntries,
    maxSize: bound.maxBytes,
    // Heap of the text (UTF-16) and its key, near enough.
    sizeCalculation: (query, hash) => 2 * (query.length + hash.length) || 1,
  });
  return {
    get: (hash) => trusted?.get(hash) ?? kept.get(hash),
    set: (hash, query) => {
      if (!trusted?.has(hash)) kept.set(hash, query);
    },
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Persisted operations (src/yoga.ts puts these before the document limits, so a text found by id is checked like any
 * other):
 * - no `operations`: automatic persisted queries only;
 * - `operations` and arbitrary operations allowed: the same, with the manifest's documents always known by id;
 * - `operations` and `allowArbitraryOperations: false` (trusted documents): Yoga's persisted-operations plugin serves
 *   manifest ids only; any document sent as text, an unknown id or a request with neither is refused with
 *   BAD_USER_INPUT (HTTP 400, unknown id 404) before parsing, so nothing reaches an upstream. APQ is off then: a client
 *   cannot register documents.
 */
export function usePersisted(options: PersistedOptions): Plugin[] {
  return [useObjectParams(), ...persisted(options)];
}

/**
 * A request (or a batch item) that is not a JSON object is refused first, as Yoga would refuse it: the persisted
 * operation plugins read `params.extensions` before Yoga checks the shape, and a `null` batch item threw there (500).
 */
function useObjectParams(): Plugin {
  return {
    onParams({ params }) {
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        throw createGraphQLError('Expected params to be an object.', {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
    },
  };
}

function persisted(options: PersistedOptions): Plugin[] {
  const bound = options.apqStore ?? APQ_STORE;
  if (!options.operations) return [useAPQ({ store: apqStore(bound, undefined, options.shared), hash: sha256 })];
  const trusted = new Map<string, string>();
  for (const operation of options.operations) {
    try {
      parse(operation.body, { noLocation: true });
    } catch (error) {
      throw new Error(`Persisted operation ${operation.id} does not parse: ${(error as Error).message}`);
    }
    trusted.set(operation.id, operation.body);
  }
  if (options.allowArbitraryOperations !== false) {
    return [useAPQ({ store: apqStore(bound, trusted, options.shared), hash: sha256 })];
  }
  const refuse = (message: string, status: number) => () =>
    createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status } } });
  return [
    usePersistedOperations({
      getPersistedOperation: (id) => trusted.get(id) ?? null,
      allowArbitraryOperations: false,
      customErrors: {
        persistedQueryOnly: refuse(
          'This gateway runs only its persisted operations: send the id in extensions.persistedQuery.sha256Hash, without a query.',
          400,
        ),
        // Not the APQ message "PersistedQueryNotFound": a client would resend the text, only to be refused.
        notFound: refuse('No persisted operation has this id.', 404),
        keyNotFound: refuse(
          'This gateway runs only its persisted operations: send the id in extensions.persistedQuery.sha256Hash.',
          400,
        ),
      },
    }) as Plugin,
  ];
}
