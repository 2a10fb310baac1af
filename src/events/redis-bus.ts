// The change bus of a fleet (REDIS_URL): each publication is delivered here at once and sent on one Redis pub/sub
// channel that every replica's dedicated subscriber connection hears, so a change reaches subscribers on every replica.
// Exactly once: a replica hears its own publications back from Redis and skips them (they carry its replica id).
// Redis is never a dependency: while it is down, publications reach this replica's subscribers only (no queue, no
// replay: a subscription is "from now on"), and the store logs the outage once (src/shared/redis.ts).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SharedStore } from '../shared/redis.js';
import { type ChangeBus, type ContactChangeEvent, isChangeEvent } from './event.js';
import { MemoryChangeBus } from './memory-bus.js';

/** What goes on the channel: the event and the replica that published it. JSON. */
interface Envelope {
  replica: string;
  event: ContactChangeEvent;
}

/**
 * Publishes through the store's connection (bounded, never throws) and listens on its own connection (a Redis
 * connection in subscriber mode can run nothing else), resubscribing whenever it is ready again after an outage.
 */
export class RedisChangeBus implements ChangeBus {
  readonly #local = new MemoryChangeBus();
  readonly #replica = randomUUID();
  readonly #channel: string;
  readonly #subscriber: Redis;
  #closed = false;

  /**
   * `namespace`: names the gateway's own credentials (a digest), so that gateways configured with other keys that share
   * one Redis do not hear each other's 'gateway' events; replicas of one gateway share it.
   */
  constructor(
    private readonly store: SharedStore,
    namespace = 'default',
  ) {
    this.#channel = store.key('changes', namespace);
    this.#subscriber = store.client.duplicate({ enableOfflineQueue: false, autoResubscribe: false });
    // The store's connection reports the outage; this one must only not crash the process on its errors.
    this.#subscriber.on('error', () => {});
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#channel).catch(() => {});
    });
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const envelope = parse(message);
      if (!envelope || envelope.replica === this.#replica) return;
      this.#local.deliver(envelope.event);
    });
  }

  publish(event: ContactChangeEvent): void {
    if (this.#closed) return;
    this.#local.deliver(event);
    const message = JSON.stringify({ replica: this.#replica, event } satisfies Envelope);
    void this.store.run((client) => client.publish(this.#channel, message));
  }

  listen(deliver: (event: ContactChangeEvent) => void, ended?: () => void): () => void {
    return this.#local.listen(deliver, ended);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#local.close();
    this.#subscriber.disconnect();
  }
}

function parse(message: string): Envelope | undefined {
  try {
    const value = JSON.parse(message) as Partial<Envelope>;
    return typeof value.replica === 'string' && isChangeEvent(value.event) ? (value as Envelope) : undefined;
  } catch {
    return undefined;
  }
}
