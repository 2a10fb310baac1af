// The connection to the shared store (REDIS_URL), and the rule every user of it follows: Redis is an optimisation,
// never a dependency. Every command is bounded by a short timeout; a failure or timeout answers `undefined` and the
// caller serves from its own memory. One line is logged when Redis goes down and one when it is back.
// ioredis: its own reconnection, `commandTimeout` bounding every command, Lua scripts for rate-limiter-flexible.
import { Redis } from 'ioredis';
import { SHARED_STORE } from '../defaults.js';

/** `off`: no REDIS_URL (memory only); `ok`: reachable; `down`: configured but unreachable or too slow. */
export type SharedHealth = 'off' | 'ok' | 'down';

export interface SharedStoreOptions {
  /** redis:// or rediss:// URL (credentials in it are ioredis's to use, never logged). */
  url: string;
  /** Every key's prefix; default SHARED_STORE.prefix. */
  prefix?: string;
  /** Bound of one command, ms; default SHARED_STORE.commandTimeoutMs. */
  commandTimeoutMs?: number;
  /** Told the two transitions, one line each: `down` (with a cause, never the URL) and `ok`. */
  log?: ((state: 'ok' | 'down', cause?: string) => void) | undefined;
}

/**
 * One Redis connection per gateway. `run` executes a command (or a pipeline) within the timeout and answers
 * `undefined` on any failure, so callers fall back to memory; `health()` says which it is.
 */
export class SharedStore {
  readonly client: Redis;
  readonly prefix: string;
  readonly #log: SharedStoreOptions['log'];
  readonly #timeoutMs: number;
  #state: 'ok' | 'down' = 'down';
  /** Whether "down" was already told for this outage (the first connection attempt counts). */
  #toldDown = false;
  #closed = false;
  /** A command timed out: skip Redis (answer from memory at once) until a background PING answers in time. */
  #suspended = false;
  /** The connected Redis instance's run id (changes when it restarts); '' until known. */
  runId = '';

  constructor(options: SharedStoreOptions) {
    this.prefix = options.prefix ?? SHARED_STORE.prefix;
    this.#log = options.log;
    this.#timeoutMs = options.commandTimeoutMs ?? SHARED_STORE.commandTimeoutMs;
    this.client = new Redis(options.url, {
      // No queue while disconnected: a command fails at once and the caller serves from memory.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Commands sent straight to the client (the rate budget's Lua scripts) get a longer bound than `run`'s: a
      // counting command that times out may still have counted, and the budget must not count it twice.
      commandTimeout: SHARED_STORE.directCommandTimeoutMs,
      connectTimeout: SHARED_STORE.connectTimeoutMs,
      // Reconnect for ever, at most a second apart: Redis coming back makes the gateway shared again.
      retryStrategy: (times) => Math.min(times * 100, SHARED_STORE.reconnectMaxMs),
      // Connect at once, in the background: requests never wait for it (until 'ready', everything is from memory).
      lazyConnect: false,
    });
    // ioredis emits 'error' for every failed connection attempt; unhandled, it would crash the process.
    this.client.on('error', (error: Error & { code?: string }) => this.#down(error.code ?? 'connection lost'));
    this.client.on('close', () => this.#down('connection closed'));
    this.client.on('ready', () => {
      this.#suspended = false;
      this.#up();
      void this.run((client) => client.info('server')).then((info) => {
        this.runId = /run_id:(\w+)/.exec(info ?? '')?.[1] ?? '';
      });
    });
  }

  health(): SharedHealth {
    return this.#state;
  }

  /** A key under the prefix: `parts` joined by `:` (each part a digest or a fixed name, never a secret in clear). */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * `command(client)` within the timeout; `undefined` when Redis is down, slow or fails (the failure is noted, the
   * caller serves from memory). Never throws.
   */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.#closed || this.#suspended || this.client.status !== 'ready') return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // ioredis's commandTimeout bounds single commands, not a MULTI's EXEC: this bounds every use the same way.
      const late = new Promise<never>((_, reject) => {
        // Deferred past the loop's poll phase: after a stalled event loop, a reply that did arrive in time is read
        // before the timeout is believed (timers run before I/O callbacks in each turn of the loop).
        timer = setTimeout(() => setImmediate(() => reject(new Error('command timed out'))), this.#timeoutMs);
      });
      const running = command(this.client);
      running.catch(() => {});
      const result = await Promise.race([running, late]);
      if (this.#state === 'down') this.#up();
      return result;
    } catch (error) {
      const { code, name, message } = error as Error & { code?: string };
      // A slow command says nothing of the connection by itself; a timeout still counts as down until one succeeds.
      const timedOut = message.includes('timed out');
      this.#down(code ?? (timedOut ? 'command timed out' : `${name} in a command`));
      // A slow Redis would cost every later command of the request its full timeout: none is sent until it answers.
      if (timedOut) this.#suspend();
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection (no reconnection after). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.disconnect();
  }

  /** Resolves once connected, or after `timeoutMs` (tests and start-up; the gateway never waits for it). */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  /** Probes with PING every SHARED_STORE.probeMs until one answers within the timeout, then serves from Redis again. */
  #suspend(): void {
    if (this.#suspended) return;
    this.#suspended = true;
    const probe = async () => {
      if (this.#closed || !this.#suspended) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        const late = new Promise<never>((_, reject) => {
          // Deferred past the loop's poll phase: after a stalled event loop, a reply that did arrive in time is read
          // before the timeout is believed (timers run before I/O callbacks in each turn of the loop).
          timer = setTimeout(() => setImmediate(() => reject(new Error('command timed out'))), this.#timeoutMs);
        });
        const ping = this.client.ping();
        ping.catch(() => {});
        await Promise.race([ping, late]);
        this.#suspended = false;
        this.#up();
      } catch {
        setTimeout(probe, SHARED_STORE.probeMs).unref();
      } finally {
        clearTimeout(timer);
      }
    };
    setTimeout(probe, SHARED_STORE.probeMs).unref();
  }

  #down(cause: string): void {
    if (this.#closed) return;
    this.#state = 'down';
    if (this.#toldDown) return;
    this.#toldDown = true;
    this.#log?.('down', cause);
  }

  #up(): void {
    if (this.client.status !== 'ready') return;
    const wasTold = this.#toldDown;
    this.#state = 'ok';
    this.#toldDown = false;
    if (wasTold) this.#log?.('ok');
  }
}
