// One GraphQL request's upstream deadline. Every upstream call of the request listens to its signal, so the budget
// covers the whole answer: attempts, bodies, backoff, rate-limit waits and time queued for a slot.
import { setMaxListeners } from 'node:events';

/** The abort reason when a request's upstream budget is spent: its calls answer UPSTREAM_TIMEOUT. */
export class DeadlineExceeded extends Error {
  constructor() {
    super('the request’s upstream budget is spent');
    this.name = 'DeadlineExceeded';
  }
}

/** The abort reason when the gateway stops: calls still in flight answer UPSTREAM_UNAVAILABLE. */
export class GatewayStopping extends Error {
  constructor() {
    super('the gateway is stopping');
    this.name = 'GatewayStopping';
  }
}

/**
 * A deadline `budgetMs` from now, with a signal that aborts at that instant (reason: DeadlineExceeded), when the
 * caller's signal aborts (its own reason: nobody wants the answer), or when `stop` aborts (reason: GatewayStopping,
 * whatever `stop` says). The signal and its timer are made on first use, so a request that never calls upstream pays
 * nothing; `dispose()` clears the timer and unhooks the signals (`stop` lives as long as the process) once the
 * request's execution is done.
 */
export class RequestDeadline {
  /** Epoch ms. */
  readonly at: number;
  readonly #caller: () => AbortSignal | undefined;
  readonly #stop: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unhook: (() => void)[] = [];

  constructor(budgetMs: number, signals: { caller: () => AbortSignal | undefined; stop?: AbortSignal | undefined }) {
    this.at = Date.now() + budgetMs;
    this.#caller = signals.caller;
    this.#stop = signals.stop;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    // Every upstream call of the request listens here: many listeners are expected, not a leak.
    setMaxListeners(0, controller.signal);
    this.#timer = setTimeout(() => controller.abort(new DeadlineExceeded()), Math.max(0, this.at - Date.now()));
    this.#timer.unref();
    this.#follow(this.#stop, () => new GatewayStopping());
    const caller = this.#caller();
    this.#follow(caller, () => caller?.reason);
    return controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    for (const unhook of this.#unhook) unhook();
    this.#unhook = [];
  }

  #follow(signal: AbortSignal | undefined, reason: () => unknown): void {
    const controller = this.#controller as AbortController;
    if (!signal || controller.signal.aborted) return;
    if (signal.aborted) {
      controller.abort(reason());
      return;
    }
    const onAbort = () => controller.abort(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    this.#unhook.push(() => signal.removeEventListener('abort', onAbort));
  }
}

/**
 * A signal that aborts when `parent` does (with its reason), or at `at` (epoch ms; reason DeadlineExceeded), for one
 * call with a deadline earlier than its request's. `dispose()` clears the timer and unhooks `parent`.
 */
export function narrowed(parent: AbortSignal, at: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (parent.aborted) controller.abort(parent.reason);
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded()), Math.max(0, at - Date.now()));
  timer.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as the signal aborts, whichever comes first. For work that
 * does not watch the signal itself while it waits (a queue slot, a half-open circuit's probe).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with `signal.reason` when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
