// What the transport may share with other replicas (src/shared/ implements it over Redis; src/yoga.ts wires it).
// Every member optional: without it the transport behaves as a single process always has. Every method answers
// within a short bound and never throws: a shared store that is down or slow answers from this process's memory.
import type { Source } from '../../model.js';

export interface UpstreamSharedState {
  /**
   * Takes one token of the rate budget of `source` and `credential` (a digest) for one call to the network: 0 when
   * taken (go), else the ms until one may be free (nothing taken; ask again then).
   */
  budget?(source: Source, credential: string): Promise<number>;
  /** The instant (epoch ms) before which the upstream asked this credential not to call (a 429's reset); 0: none. */
  resetAt?(source: Source, credential: string): Promise<number>;
  /** A 429 named `at` (epoch ms) as this credential's reset: every replica waits for it, or refuses alike. */
  learnReset?(source: Source, credential: string, at: number): void;
  /** Short-lived answers (`cacheTtlMs` reads) as JSON text, under keys the transport builds from digests. */
  answers?: {
    get(key: string): Promise<string | undefined>;
    set(key: string, text: string, ttlMs: number): Promise<void>;
  };
  /** The credential's write generation over every replica (an opaque token), part of every shared answer's key. */
  generation?(source: Source, credential: string): Promise<string>;
  /** A write by `credential`: every replica's answers cached before it are out of reach. */
  wrote?(source: Source, credential: string): Promise<void>;
}
