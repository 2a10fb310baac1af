// In-flight dedupe of identical reads. The shared call belongs to nobody: each waiter leaves at its own deadline or
// when its caller goes away, and the call is cancelled when its last waiter has left.

/** What the shared call runs under: its own signal, and the latest deadline of those still waiting (epoch ms). */
export interface SharedScope {
  signal: AbortSignal;
  deadline(): number;
}

interface SharedCall {
  promise: Promise<unknown>;
  controller: AbortController;
  waiters: number;
  /** The latest deadline among everyone who joined: no attempt of the call starts after it. */
  deadline: number;
}

/** Reads in flight by key (credential, method, path, query, body). Bounded by the calls in flight. */
export class SharedReads {
  readonly #calls = new Map<string, SharedCall>();

  /**
   * Joins the call in flight under `key`, or starts it with `start`. Resolves with its answer, or rejects with the
   * call's error, or with `signal.reason` as soon as this waiter's own signal aborts (its deadline, its caller gone).
   */
  run<T>(
    key: string,
    waiter: { signal: AbortSignal; deadline: number },
    start: (scope: SharedScope) => Promise<T>,
  ): Promise<T> {
    if (waiter.signal.aborted) return Promise.reject(waiter.signal.reason);
    let call = this.#calls.get(key);
    if (call) {
      call.deadline = Math.max(call.deadline, waiter.deadline);
    } else {
      const controller = new AbortController();
      const entry: SharedCall = { controller, waiters: 0, deadline: waiter.deadline, promise: Promise.resolve() };
      entry.promise = start({ signal: controller.signal, deadline: () => entry.deadline });
      // Nobody may be waiting when it fails (all left): the rejection is theirs to see, never unhandled.
      entry.promise.catch(() => {}).finally(() => this.#calls.delete(key));
      this.#calls.set(key, entry);
      call = entry;
    }
    return join(call, waiter.signal) as Promise<T>;
  }
}

function join(call: SharedCall, signal: AbortSignal): Promise<unknown> {
  call.waiters += 1;
  return new Promise((resolve, reject) => {
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      call.waiters -= 1;
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      leave();
      if (call.waiters === 0) call.controller.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.promise.then(
      (value) => {
        leave();
        resolve(value);
      },
      (error: unknown) => {
        leave();
        reject(error);
      },
    );
  });
}
