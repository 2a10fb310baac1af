// Back-pressure (issue 14): what one subscriber has not read yet, bounded. A subscriber that falls `limit` events
// behind is not allowed to grow the process's memory: its queue is dropped and it receives one overflow marker, then
// the stream ends.

/** What a subscriber reads after the last event that fit: the stream ends right after it. */
export const OVERFLOWED = Symbol('overflowed');

/**
 * A bounded async queue: `push` never waits (called from the bus's synchronous delivery); the consumer pulls with
 * `next()`. Overflow (a push onto `limit` unread items) drops every unread item, yields {@link OVERFLOWED} and ends.
 * `return()` ends it at once and calls `onEnd` (once), as does the end after an overflow.
 */
export class SubscriberQueue<T> implements AsyncIterableIterator<T | typeof OVERFLOWED> {
  #items: (T | typeof OVERFLOWED)[] = [];
  #waiting: ((result: IteratorResult<T | typeof OVERFLOWED>) => void) | undefined;
  /** No more pushes: ended by the consumer, or overflowed (the marker may still be unread). */
  #stopped = false;

  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  /** Unread items now (the marker counts). */
  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#stopped) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.#items.length >= this.limit) {
      this.#items = [OVERFLOWED];
      this.#stop();
      return;
    }
    this.#items.push(item);
  }

  next(): Promise<IteratorResult<T | typeof OVERFLOWED>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
    if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T | typeof OVERFLOWED>> {
    this.#items = [];
    this.#stop();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.onEnd();
  }
}
