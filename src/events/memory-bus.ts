// The change bus of one process (no REDIS_URL): a publication reaches this gateway's subscribers only.
import type { ChangeBus, ContactChangeEvent } from './event.js';

/** Delivers each published event synchronously to every listener of this process, once; a throwing listener is skipped. */
export class MemoryChangeBus implements ChangeBus {
  /** Each listener and what to call when the bus closes. */
  readonly #listeners = new Map<(event: ContactChangeEvent) => void, (() => void) | undefined>();

  publish(event: ContactChangeEvent): void {
    this.deliver(event);
  }

  /** Hands `event` to every listener here (also used by the Redis bus for what other replicas published). */
  deliver(event: ContactChangeEvent): void {
    for (const listener of [...this.#listeners.keys()]) {
      try {
        listener(event);
      } catch {
        // One subscriber's failure is its own: the others still receive the event.
      }
    }
  }

  listen(deliver: (event: ContactChangeEvent) => void, ended?: () => void): () => void {
    // Wrapped, so that the same function listening twice is two listeners.
    const listener = (event: ContactChangeEvent) => deliver(event);
    this.#listeners.set(listener, ended);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    const ended = [...this.#listeners.values()];
    this.#listeners.clear();
    for (const end of ended) end?.();
  }
}
