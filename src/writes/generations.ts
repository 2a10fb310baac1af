import { LRUCache } from 'lru-cache';

/**
 * A generation per upstream credential, moved on by every write made with it. The opt-in response cache keys its
 * sessions by credential and generation, so after a write nothing cached for that credential before it is served
 * again (it ages out of the cache's own LRU). Per process, like the response cache itself (issue 13 shares both).
 * Bounded: at most `maxCredentials` credentials remembered; one forgotten starts again at 0, which can only make an
 * old answer reachable again if it is still cached, and the cache's TTL is shorter than any realistic LRU turnover.
 */
export class WriteGenerations {
  readonly #generations: LRUCache<string, number>;

  constructor(maxCredentials = 10_000) {
    this.#generations = new LRUCache({ max: maxCredentials });
  }

  /** The response cache's session key for `credential`: the credential and its current generation. */
  session(credential: string): string {
    return `${credential}#${this.#generations.get(credential) ?? 0}`;
  }

  bump(credential: string): void {
    this.#generations.set(credential, (this.#generations.get(credential) ?? 0) + 1);
  }
}
