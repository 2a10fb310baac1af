// The change stream of shared/design/contract-events.graphql: `Subscription.contactChanged`. Events come from the
// gateway's bus (src/events/): every write served by any replica, and Intercom's verified webhooks. Filters and the
// subscriber's credential are applied on the bus's delivery, before anything is queued or read; the contact of an event
// is read afresh for the subscriber's credential, once per (credential, event, contact) however many subscribers.
import { createGraphQLError } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { CHANGE_KINDS, type ContactChangeEvent } from '../events/event.js';
import { recordKey, subscribeToChanges } from '../events/scope.js';
import { OVERFLOWED } from '../events/subscriber-queue.js';
import type { Contact, Source } from '../model.js';
import { builder } from './builder.js';
import { ContactRef } from './contact.js';
import { decodeGlobalID, encodeGlobalID, parseNodeKey } from './ids.js';
import { SourceEnum } from './source.js';

export const ContactChangeKindEnum = builder.enumType('ContactChangeKind', { values: CHANGE_KINDS });

export const ChangeOriginEnum = builder.enumType('ChangeOrigin', {
  description: 'Where a change was first seen.',
  values: {
    GATEWAY: { description: 'A mutation served by this gateway (any replica).' },
    SOURCE: { description: 'The source told us (a verified webhook).' },
  },
});

const contactId = (source: Source, sourceId: string) => encodeGlobalID('Contact', recordKey(source, sourceId));

/**
 * The event's contact for this subscriber: null when it is gone or its credential cannot read it (another tenant's,
 * or the source answered no record). Shared by every subscriber of the same credential reading the same event.
 * Upstream failures are the field's error (the event itself still arrives).
 */
function changedContact(event: ContactChangeEvent, ctx: GatewayContext): Promise<Contact | null> {
  const scope = ctx.changes;
  const key = `${scope.credential(event.source)}|${event.id}|${recordKey(event.source, event.sourceId)}`;
  return scope.reads.read(key, async () => {
    const reader = scope.reader();
    try {
      if (!reader.sources.isConfigured(event.source)) return null;
      return await reader.sources.get(event.source).contact(event.sourceId);
    } finally {
      reader.done();
    }
  });
}

export const ContactChangeRef = builder.objectRef<ContactChangeEvent>('ContactChange').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: ContactChangeKindEnum }),
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    contactId: t.id({
      description: 'Global id of the changed contact (the same id `node` accepts).',
      resolve: (event) => contactId(event.source, event.sourceId),
    }),
    contact: t.field({
      type: ContactRef,
      nullable: true,
      description:
        'The contact after the change, read for this subscriber; null when it is gone or can no longer be read.',
      // One possible upstream read.
      complexity: 1,
      resolve: (event, _args, ctx) => changedContact(event, ctx),
    }),
    occurredAt: t.field({ type: 'DateTime', resolve: (event) => new Date(event.occurredAt) }),
    origin: t.expose('origin', { type: ChangeOriginEnum }),
    mergedIntoId: t.id({
      nullable: true,
      description: 'For MERGED: the global id of the contact it was merged into.',
      resolve: (event) => (event.mergedIntoId === undefined ? null : contactId(event.source, event.mergedIntoId)),
    }),
  }),
});

/** `ids` as record keys; an id that is not a contact's is the caller's error, before anything is subscribed. */
function recordsOf(ids: readonly (string | number)[]): Set<string> {
  return new Set(
    ids.map((id) => {
      const { typename, id: key } = decodeGlobalID(String(id));
      if (typename !== 'Contact') throw GatewayError.badInput('`ids` takes contact ids only.');
      const { source, ids: sourceIds } = parseNodeKey(key);
      return recordKey(source, sourceIds[0] as string);
    }),
  );
}

/** What a subscriber that fell too far behind receives last (see SUBSCRIPTIONS.queueLength in src/defaults.ts). */
function tooSlow(limit: number) {
  // No contract code says "too slow": INTERNAL_SERVER_ERROR (retrying, here resubscribing, may work) with a reason.
  return createGraphQLError(
    `This subscriber fell ${limit} events behind: the stream is closed. Subscribe again and read events faster.`,
    { extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'SUBSCRIBER_TOO_SLOW' } },
  );
}

builder.subscriptionField('contactChanged', (t) =>
  t.field({
    type: ContactChangeRef,
    description:
      'Contacts as they change: every write made through this gateway, and each source’s own change notifications ' +
      'where the source sends them (Intercom webhooks). Backside sends no notifications: for Backside only the writes ' +
      'made through this gateway appear. Filtered to the caller’s sources and credentials: a caller never receives a ' +
      'change to a record it could not read. `sources` and `ids` (contact ids) narrow the stream; a change arrives ' +
      'once, after the subscription started, with the contact read for the caller.',
    args: {
      sources: t.arg({ type: [SourceEnum], required: false }),
      ids: t.arg.idList({ required: false }),
    },
    subscribe: (_root, args, ctx) =>
      subscribeToChanges(ctx.changes, {
        sources: args.sources ?? undefined,
        records: args.ids ? recordsOf(args.ids) : undefined,
      }),
    resolve: (payload, _args, ctx) => {
      if (payload === OVERFLOWED) throw tooSlow(ctx.changes.queueLength);
      return payload as ContactChangeEvent;
    },
  }),
);
