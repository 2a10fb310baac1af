// What a request lends the change stream (ctx.changes, made per request in src/yoga.ts): the bus, the credentials the
// request reads each source with, and a way to read one event's contact afresh.
import type { Source } from '../model.js';
import type { Sources } from '../sources.js';
import type { ChangeBus, ContactChangeEvent } from './event.js';
import type { EventReads } from './event-reads.js';
import { SubscriberQueue } from './subscriber-queue.js';

/** Connectors made for one event's reads, and what frees them (their deadline's timer) once the read is done. */
export interface EventReader {
  sources: Sources;
  done(): void;
}

export interface ChangeScope {
  /** The gateway's bus: publish here (writes, webhooks), subscribe through {@link subscribeToChanges}. */
  bus: ChangeBus;
  /** The upstream credential this request reads `source` with: 'gateway' or a caller's Backside key digest. */
  credential(source: Source): string;
  /**
   * Fresh connectors with this request's credentials: new loaders (nothing cached by an earlier event) and a new
   * upstream budget not tied to this subscriber, since subscribers of the same credential share the read.
   */
  reader(): EventReader;
  /** The gateway's per-event read cache (src/events/event-reads.ts). */
  reads: EventReads;
  /** Unread events a subscriber may hold before its stream is closed (SUBSCRIPTIONS.queueLength). */
  queueLength: number;
}

/** A subscription's filters: only these sources, only these records (`SOURCE:sourceId`); undefined: all. */
export interface ChangeFilter {
  sources?: readonly Source[] | undefined;
  records?: ReadonlySet<string> | undefined;
}

/** The `SOURCE:sourceId` key of a record. */
export const recordKey = (source: Source, sourceId: string) => `${source}:${sourceId}`;

/**
 * Whether a subscriber with `scope` and `filter` receives `event`. Synchronous and without I/O: it runs on the bus's
 * delivery, before anything is queued or read. An event of another credential (another Backside tenant) never
 * passes. `records` matches the changed record, or for MERGED the record it was merged into.
 */
export function accepts(scope: ChangeScope, filter: ChangeFilter, event: ContactChangeEvent): boolean {
  if (event.credential !== scope.credential(event.source)) return false;
  if (filter.sources && !filter.sources.includes(event.source)) return false;
  if (!filter.records) return true;
  if (filter.records.has(recordKey(event.source, event.sourceId))) return true;
  return event.mergedIntoId !== undefined && filter.records.has(recordKey(event.source, event.mergedIntoId));
}

/**
 * The events this subscriber receives from now on, in a bounded queue (back-pressure: see SubscriberQueue). The bus
 * listener goes when the stream ends (the client left, or it overflowed); the stream completes when the bus closes.
 */
export function subscribeToChanges(scope: ChangeScope, filter: ChangeFilter): SubscriberQueue<ContactChangeEvent> {
  let unlisten: (() => void) | undefined;
  let ended = false;
  const queue = new SubscriberQueue<ContactChangeEvent>(scope.queueLength, () => {
    ended = true;
    unlisten?.();
  });
  const stop = scope.bus.listen(
    (event) => {
      if (accepts(scope, filter, event)) queue.push(event);
    },
    () => void queue.return(),
  );
  if (ended) stop();
  else unlisten = stop;
  return queue;
}
