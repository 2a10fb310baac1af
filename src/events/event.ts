// What travels on the change bus (issue 14): one change to one contact, as the gateway saw it (a write it served) or as
// a source announced it (a verified webhook). Plain JSON, so that it crosses replicas through Redis unchanged.
import type { Source } from '../model.js';

/** The contract's ContactChangeKind. */
export type ContactChangeKind =
  | 'CREATED'
  | 'UPDATED'
  | 'DELETED'
  | 'ARCHIVED'
  | 'UNARCHIVED'
  | 'MERGED'
  | 'TAGGED'
  | 'UNTAGGED'
  | 'NOTE_ADDED';

export const CHANGE_KINDS: readonly ContactChangeKind[] = [
  'CREATED',
  'UPDATED',
  'DELETED',
  'ARCHIVED',
  'UNARCHIVED',
  'MERGED',
  'TAGGED',
  'UNTAGGED',
  'NOTE_ADDED',
];

/** The contract's ChangeOrigin: a mutation served by a gateway replica, or the source's own notification. */
export type ChangeOrigin = 'GATEWAY' | 'SOURCE';

/** The upstream credential of the gateway's own keys (Intercom always; Backside when the caller sends no key). */
export const GATEWAY_CREDENTIAL = 'gateway';

/**
 * One change to one contact.
 *
 * - `id`: unique per event (a UUID); it keys the per-event read cache and the Redis echo filter.
 * - `source`, `sourceId`: the contact's record (the source's own id, not the global id).
 * - `occurredAt`: when the change happened (epoch ms): the write's answer, or the notification's `created_at`.
 * - `mergedIntoId`: for MERGED, the source id of the record it was merged into (same source).
 * - `credential`: who may read it: {@link GATEWAY_CREDENTIAL} for the gateway's own keys (every Intercom change), or
 *   the digest (base64url SHA-256) of a caller's own Backside key (`credential` in src/yoga.ts). A subscriber only
 *   receives events of the credential it reads that source with.
 */
export interface ContactChangeEvent {
  id: string;
  kind: ContactChangeKind;
  source: Source;
  sourceId: string;
  occurredAt: number;
  origin: ChangeOrigin;
  mergedIntoId?: string | undefined;
  credential: string;
}

/** A subscription to every event published on any replica, from now on; `return()` ends it (idempotent). */
export type ChangeStream = AsyncIterableIterator<ContactChangeEvent> & {
  return(): Promise<IteratorResult<ContactChangeEvent>>;
};

/**
 * Where changes are published and heard. `publish` never throws and never waits (a Redis outage degrades to this
 * replica only). `listen` calls `deliver` synchronously for every event, once, in publish order per replica; it answers
 * the function that stops listening. `close` ends every listener, calling its `ended` (gateway stop or disposal: open
 * subscriptions complete).
 */
export interface ChangeBus {
  publish(event: ContactChangeEvent): void;
  listen(deliver: (event: ContactChangeEvent) => void, ended?: () => void): () => void;
  close(): Promise<void>;
}

/** Whether `value` (parsed JSON from another replica) is an event; anything else is ignored. */
export function isChangeEvent(value: unknown): value is ContactChangeEvent {
  if (!value || typeof value !== 'object') return false;
  const event = value as Record<string, unknown>;
  return (
    typeof event.id === 'string' &&
    CHANGE_KINDS.includes(event.kind as ContactChangeKind) &&
    (event.source === 'BACKSIDE' || event.source === 'INTERCOM') &&
    typeof event.sourceId === 'string' &&
    typeof event.occurredAt === 'number' &&
    (event.origin === 'GATEWAY' || event.origin === 'SOURCE') &&
    (event.mergedIntoId === undefined || typeof event.mergedIntoId === 'string') &&
    typeof event.credential === 'string'
  );
}
