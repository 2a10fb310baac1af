// Intercom does not guarantee delivery order (shared/upstreams/intercom.md, "Webhooks": "use `created_at`"): a
// notification older than the last one published for the same contact would announce a stale state as the newest,
// so it is dropped. Same second (created_at is in whole seconds) is not older: both are published.
import { LRUCache } from 'lru-cache';
import { INTERCOM_WEBHOOKS } from '../defaults.js';

export class ContactOrder {
  /** The newest `created_at` (unix seconds) published per contact; bounded, least recently changed forgotten first. */
  readonly #latest: LRUCache<string, number>;

  constructor(maxContacts: number = INTERCOM_WEBHOOKS.contacts) {
    this.#latest = new LRUCache({ max: maxContacts });
  }

  /** True when a notification of `createdAt` about `contactId` is not older than the last one accepted (and records it). */
  accept(contactId: string, createdAt: number): boolean {
    const latest = this.#latest.get(contactId);
    if (latest !== undefined && createdAt < latest) return false;
    this.#latest.set(contactId, createdAt);
    return true;
  }
}
