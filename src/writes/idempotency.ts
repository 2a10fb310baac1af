// Idempotency keys (issue 12): a mutation sent again with the same `idempotencyKey` by the same caller, within 24
// hours, answers the first call's result without writing again; with other input it answers IDEMPOTENCY_CONFLICT.
//
// What is kept: only results (what the mutation resolved to: the record, or userErrors). A thrown failure (an
// upstream error, including "the outcome is unknown" after a lost answer) is not kept: the writers already resolve a
// lost create by looking the record up, and what is left unknown is for the caller to retry with the same key, which
// then runs again. While a first call is in flight, a second with the same key and input waits for it and shares its
// outcome, failure included (it is the same attempt), rather than writing a second time.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { IDEMPOTENCY } from '../defaults.js';

/** What names one idempotent call: the caller, the mutation and the caller's key. */
export interface IdempotencyScope {
  /** A digest naming the caller (e.g. Caller.id with the upstream credential); never a secret in clear. */
  caller: string;
  /** The mutation's field name, e.g. `createContact`: one key may be reused across mutations. */
  mutation: string;
  /** The caller's `idempotencyKey`, as validated (1–255 printable ASCII characters). */
  key: string;
}

/**
 * How `run` ended: `replayed` false when `execute` ran for this call, true when the value is a stored (or a concurrent
 * call's) result; `conflict` when the key was used before (or is in use) with another input digest.
 */
export type IdempotencyOutcome<T> = { conflict: false; value: T; replayed: boolean } | { conflict: true };

/**
 * Where idempotent results live. This process's memory for now ({@link MemoryIdempotencyStore}); a shared store
 * (Redis) can replace it for several processes behind one address without changing callers.
 */
export interface IdempotencyStore {
  /**
   * Runs `execute` once per scope: the first call runs it and keeps what it resolves to for the
   * store's TTL; a call with the same scope and `inputDigest` answers that value (`replayed: true`), one with another
   * digest a conflict (and `execute` is not called). A rejection of `execute` is passed on and not kept. A call made
   * while the first is in flight waits for it and gets its outcome, rejection included.
   *
   * `T` must be JSON data (no Date, URL, class instance, undefined member): a replay is the value read back from its
   * JSON text, so only what JSON carries survives (store ids and plain fields, not a Contact with Dates).
   */
  run<T>(scope: IdempotencyScope, inputDigest: string, execute: () => Promise<T>): Promise<IdempotencyOutcome<T>>;
}

/** Options of the in-memory store; defaults in src/defaults.ts (IDEMPOTENCY). */
export interface MemoryIdempotencyOptions {
  /** How long a result is replayed, ms. */
  ttlMs?: number;
  /** Most bytes of kept results (their JSON text, plus the key), the least recently used dropped first. */
  maxBytes?: number;
  /** The clock, ms (tests pass a fake one; default Date.now, which fake timers drive). */
  now?: () => number;
}

interface Kept {
  digest: string;
  value: unknown;
}

interface InFlight {
  digest: string;
  promise: Promise<unknown>;
}

/**
 * A concurrent call's result as a replay: through JSON, as a replay from the store reads, so every replay has one
 * shape (and nobody shares the first caller's objects).
 */
export function replayOf<T>(value: unknown): IdempotencyOutcome<T> {
  const text = JSON.stringify(value);
  return { conflict: false, value: (text === undefined ? value : JSON.parse(text)) as T, replayed: true };
}

/** The store's own key for a scope: a digest, so that keys of any length cost the same and hold nothing readable. */
export function storeKey(scope: IdempotencyScope): string {
  return createHash('sha256')
    .update(JSON.stringify([scope.caller, scope.mutation, scope.key]))
    .digest('base64url');
}

/**
 * Results kept in this process's memory, bounded in bytes (lru-cache) and by TTL. A result larger than the whole
 * bound is answered but not kept (a retry would run again). Results are kept as JSON text and parsed on each replay,
 * so a caller that changes a replayed value changes nothing kept.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #kept: LRUCache<string, Kept>;
  readonly #inFlight = new Map<string, InFlight>();

  constructor(options: MemoryIdempotencyOptions = {}) {
    const now = options.now ?? (() => Date.now());
    this.#kept = new LRUCache<string, Kept>({
      maxSize: options.maxBytes ?? IDEMPOTENCY.maxBytes,
      ttl: options.ttlMs ?? IDEMPOTENCY.ttlMs,
      // Expiry is checked when an entry is read: no timer per entry.
      ttlAutopurge: false,
      perf: { now },
      sizeCalculation: (kept, key) => key.length + kept.digest.length + (kept.value as string).length,
    });
  }

  async run<T>(
    scope: IdempotencyScope,
    inputDigest: string,
    execute: () => Promise<T>,
  ): Promise<IdempotencyOutcome<T>> {
    const key = storeKey(scope);
    const kept = this.#kept.get(key);
    if (kept) {
      return kept.digest === inputDigest
        ? { conflict: false, value: JSON.parse(kept.value as string) as T, replayed: true }
        : { conflict: true };
    }
    const running = this.#inFlight.get(key);
    if (running) {
      if (running.digest !== inputDigest) return { conflict: true };
      const value = await running.promise;
      // As a replay from the store reads: through JSON, so every replay has one shape.
      return replayOf(value);
    }
    // Registered before the first await, so a call arriving while this one runs finds it.
    const promise = Promise.resolve().then(execute);
    this.#inFlight.set(key, { digest: inputDigest, promise });
    try {
      const value = await promise;
      const text = JSON.stringify(value);
      // An undefined result has no JSON text: nothing to replay.
      if (text !== undefined) this.#kept.set(key, { digest: inputDigest, value: text });
      return { conflict: false, value, replayed: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** How many results are kept (for tests and metrics). */
  get size(): number {
    return this.#kept.size;
  }
}

/** Fields of a mutation input that do not make it another input: echoed back, or the key itself. */
const NOT_INPUT = new Set(['clientMutationId', 'idempotencyKey']);

/**
 * Stable JSON of a value: object keys sorted, `toJSON` honoured (a URL is its href, a Date its ISO string), undefined
 * members left out as JSON leaves them out.
 */
function stable(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return stable((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : stable(item)));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, member]) => [name, stable(member)] as const);
    // Built as pairs, so that a "__proto__" key stays a key.
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * The digest of a mutation's input for {@link IdempotencyStore.run}: SHA-256 (base64url) of its stable JSON (sorted
 * keys), without `clientMutationId` and `idempotencyKey` at the top level. Two inputs that differ only in key order,
 * in those two fields or in members left undefined have the same digest; an explicit null is not the same as absent
 * (on updates, null clears).
 */
export function inputDigest(input: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(input).filter(([name]) => !NOT_INPUT.has(name)));
  return createHash('sha256')
    .update(JSON.stringify(stable(rest)))
    .digest('base64url');
}
