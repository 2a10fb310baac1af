// `node(id:)` and `nodes(ids:)`, ours rather than the relay plugin's (whose `nodes` waits on every type's batch with
// Promise.all, so one failing source, or one id that does not decode, nulled the whole list). Here every id is decoded
// and loaded on its own: a failure is that item's error, at its own path, and the other items are kept. Items of one
// source are still read together: each load goes through the request's DataLoaders, which batch what one tick asks.
import { brandWithType } from '@pothos/core';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { type SourceConnector, toError } from '../upstream/connector.js';
import { builder } from './builder.js';
import { CompanyRef } from './company.js';
import { ContactRef } from './contact.js';
import { decodeGlobalID, parseNodeKey } from './ids.js';
import { NoteRef } from './note.js';
import { TagRef } from './tag.js';

/** A node type whose key is `SOURCE:sourceId`, read by `read` from that source's connector. */
function bySourceId<T>(ref: T, read: (connector: SourceConnector, sourceId: string) => Promise<object | null>) {
  return {
    ref,
    load: (key: string, ctx: GatewayContext) => {
      const { source, ids } = parseNodeKey(key);
      return read(ctx.sources.get(source), ids[0] as string);
    },
  };
}

/** How each node type is read again by the key its global id holds (see ids.ts). */
const LOADERS = {
  Contact: bySourceId(ContactRef, (connector, id) => connector.contact(id)),
  Tag: bySourceId(TagRef, (connector, id) => connector.tag(id)),
  Company: bySourceId(CompanyRef, (connector, id) => connector.company(id)),
  Note: {
    ref: NoteRef,
    load: (key: string, ctx: GatewayContext) => {
      const { source, ids } = parseNodeKey(key, 2);
      return ctx.sources.get(source).note(ids[0] as string, ids[1] as string);
    },
  },
} as const;

/** The object a global id names, branded with its type for the Node interface; null for a plain miss. */
export async function loadNode(globalID: string, ctx: GatewayContext): Promise<object | null> {
  const { typename, id } = decodeGlobalID(globalID);
  const loader = Object.hasOwn(LOADERS, typename) ? LOADERS[typename as keyof typeof LOADERS] : undefined;
  if (!loader) throw GatewayError.badInput('The id is not one this gateway gave out.');
  const value = await loader.load(id, ctx);
  if (value !== null) brandWithType(value, loader.ref);
  return value;
}

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    complexity: 1,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => loadNode(String(args.id), ctx),
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    complexity: (args) => ({ field: args.ids.length, multiplier: args.ids.length }),
    args: { ids: t.arg.idList({ required: true }) },
    // Every load starts in this tick, so each source's DataLoader sees them all in one batch. A failed item is an
    // Error value: GraphQL answers null for that item and reports the error at ['nodes', i].
    resolve: (_root, args, ctx) => args.ids.map((id) => loadNode(String(id), ctx).catch(toError)),
  }),
);
