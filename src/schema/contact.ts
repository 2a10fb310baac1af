import { responsePathAsArray } from 'graphql';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { filterKey, normalizeFilter } from '../filter.js';
import { linkedContacts } from '../identity.js';
import type { Contact, ContactKind, ContactRole } from '../model.js';
import { walk } from '../paging.js';
import { AddressRef } from './address.js';
import { AffiliationRef } from './affiliation.js';
import { builder } from './builder.js';
import { ChannelRef, ChannelTypeEnum } from './channel.js';
import { CompanyRef } from './company.js';
import { ContactDateRef } from './contact-date.js';
import { decodeGlobalID, nodeKey, parseNodeKey } from './ids.js';
import { NoteRef } from './note.js';
import { orPartial, recordPartial } from './partial.js';
import { SourceEnum } from './source.js';
import { TagRef } from './tag.js';

export const ContactKindEnum = builder.enumType('ContactKind', {
  values: ['PERSON', 'ORGANIZATION', 'GROUP'] as const satisfies readonly ContactKind[],
});

export const ContactRoleEnum = builder.enumType('ContactRole', {
  description: "Intercom's lifecycle role; null for Backside.",
  values: ['USER', 'LEAD'] as const satisfies readonly ContactRole[],
});

export const ContactRef = builder.objectRef<Contact>('Contact');

/** The contact with every field known; free unless it came from a list that leaves channels out. */
function complete(contact: Contact, ctx: GatewayContext): Promise<Contact> | Contact {
  return contact.partial ? ctx.sources.of(contact).complete(contact) : contact;
}

builder.node(ContactRef, {
  id: { resolve: (contact) => nodeKey(contact.source, contact.sourceId) },
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    kind: t.expose('kind', { type: ContactKindEnum }),
    role: t.expose('role', { type: ContactRoleEnum, nullable: true }),
    displayName: t.string({
      complexity: 1,
      description: 'Never empty: name, else email, else phone, else the source id.',
      resolve: (contact, _args, ctx, info) =>
        contact.named
          ? contact.displayName
          : orPartial(ctx, info, contact.displayName, async () => (await complete(contact, ctx)).displayName),
    }),
    givenName: t.exposeString('givenName', { nullable: true }),
    familyName: t.exposeString('familyName', { nullable: true }),
    middleName: t.exposeString('middleName', { nullable: true }),
    nickname: t.exposeString('nickname', { nullable: true }),
    prefix: t.exposeString('prefix', { nullable: true }),
    suffix: t.exposeString('suffix', { nullable: true }),
    email: t.string({
      complexity: 1,
      nullable: true,
      description: 'The primary email, lowercased.',
      resolve: (contact, _args, ctx, info) =>
        orPartial(ctx, info, null, async () => (await complete(contact, ctx)).email),
    }),
    phone: t.string({
      complexity: 1,
      nullable: true,
      description:
        'The primary phone, E.164 where it can be parsed, with an RFC 3966 `;ext=` when it has an extension.',
      resolve: (contact, _args, ctx, info) =>
        orPartial(ctx, info, null, async () => (await complete(contact, ctx)).phone),
    }),
    avatarUrl: t.expose('avatarUrl', { type: 'URL', nullable: true }),
    bio: t.exposeString('bio', { nullable: true }),
    language: t.exposeString('language', { nullable: true }),
    timezone: t.exposeString('timezone', { nullable: true }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: 'Intercom external_id; Backside vcard_uid.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true }),
    addresses: t.field({
      type: [AddressRef],
      complexity: 1,
      resolve: (contact, _args, ctx, info) =>
        orPartial(ctx, info, [], () => ctx.sources.of(contact).addresses(contact)),
    }),
    channels: t.field({
      type: [ChannelRef],
      complexity: 1,
      args: { types: t.arg({ type: [ChannelTypeEnum], description: 'Only channels of these types.' }) },
      resolve: async (contact, args, ctx, info) => {
        const channels = await orPartial(ctx, info, [], () => ctx.sources.of(contact).channels(contact));
        const types = args.types;
        return types ? channels.filter((channel) => types.includes(channel.type)) : channels;
      },
    }),
    tags: t.field({
      type: [TagRef],
      complexity: 2,
      resolve: (contact, _args, ctx, info) => orPartial(ctx, info, [], () => ctx.sources.of(contact).tags(contact)),
    }),
    companies: t.field({
      type: [CompanyRef],
      // One read per company, up to the ten a contact lists inline.
      complexity: 10,
      description: 'The organizations this contact belongs to (Backside affiliations, Intercom companies).',
      resolve: (contact, _args, ctx, info) =>
        orPartial(ctx, info, [], () => ctx.sources.of(contact).companies(contact)),
    }),
    affiliations: t.field({
      type: [AffiliationRef],
      complexity: 11,
      description: 'Intercom companies appear as current affiliations without title or dates.',
      resolve: (contact, _args, ctx, info) =>
        orPartial(ctx, info, [], () => ctx.sources.of(contact).affiliations(contact)),
    }),
    notes: t.field({
      type: [NoteRef],
      complexity: 1,
      args: { first: t.arg.int({ defaultValue: 20, description: 'The newest notes first; 0 to 100.' }) },
      resolve: async (contact, args, ctx, info) => {
        const first = args.first ?? 20;
        if (!Number.isInteger(first) || first < 0 || first > 100) {
          throw GatewayError.badInput('"first" of notes must be between 0 and 100.');
        }
        return (await orPartial(ctx, info, [], () => ctx.sources.of(contact).notes(contact))).slice(0, first);
      },
    }),
    dates: t.field({
      type: [ContactDateRef],
      complexity: 1,
      resolve: (contact, _args, ctx, info) => orPartial(ctx, info, [], () => ctx.sources.of(contact).dates(contact)),
    }),
    customAttributes: t.expose('customAttributes', {
      type: 'JSONObject',
      description: 'Intercom custom_attributes; Backside metadata. {} when there are none.',
    }),
    linkedContacts: t.field({
      type: [ContactRef],
      // A few searches per other source, and each linked record's own children.
      complexity: { field: 4, multiplier: 5 },
      description:
        'The same person’s records in the other sources, matched by each of this contact’s canonical emails and phones. ' +
        'Symmetric: A lists B exactly when B lists A (both hold the key and each source finds its own record by it). ' +
        'Batched across a list: Intercom is asked for many values per search; Backside once per distinct value.',
      resolve: (contact, _args, ctx, info) => orPartial(ctx, info, [], () => linkedContacts(ctx.sources, contact)),
    }),
  }),
});

const ContactConnection = builder.connectionObject(
  { type: ContactRef, name: 'ContactConnection' },
  { name: 'ContactEdge' },
);

const ContactFilter = builder.inputType('ContactFilter', {
  description:
    'Filters are pushed down to each source’s own search; every given field must hold (AND). Where a source cannot ' +
    'express a field exactly, the gateway asks for the narrowest superset and finishes the filter on that page, so a ' +
    'page may hold fewer than `first` contacts while `hasNextPage` is true.',
  fields: (t) => ({
    query: t.string({
      description:
        'Free text over name, email and phone. Intercom: contains-search on name, email and phone. Backside: its `q` search.',
    }),
    email: t.string({
      description:
        'An exact email, compared trimmed and lowercased. Intercom: searched as contains, finished exactly. ' +
        'Backside: find-by-channel (exact).',
    }),
    phone: t.string({
      description:
        'An exact phone, compared as E.164 (national numbers read in the configured region). Intercom: searched ' +
        'over the usual spellings of the number, finished exactly. Backside: find-by-channel (exact).',
    }),
    tag: t.string({
      description:
        'A tag name (case-insensitive). Intercom: resolved to its tag id first. Backside: its `tag` parameter.',
    }),
    updatedAfter: t.field({
      type: 'DateTime',
      description:
        'Updated strictly after this instant. Intercom compares whole days, so it is asked from the day before and the ' +
        'page is finished exactly. Backside has no such search: its pages are finished here.',
    }),
  }),
});

builder.queryFields((t) => ({
  contact: t.field({
    type: ContactRef,
    complexity: 1,
    nullable: true,
    description: 'A contact by global id; null when the source has no such contact (no error for a plain miss).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const { typename, id } = decodeGlobalID(String(args.id));
      if (typename !== 'Contact') throw GatewayError.badInput('The id is not a Contact id.');
      const { source, ids } = parseNodeKey(id);
      return ctx.sources.get(source).contact(ids[0] as string);
    },
  }),
  contactBySourceId: t.field({
    type: ContactRef,
    complexity: 1,
    nullable: true,
    description: 'A contact by the id its source gave it.',
    args: { source: t.arg({ type: SourceEnum, required: true }), sourceId: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => {
      if (args.sourceId.trim() === '') throw GatewayError.badInput('"sourceId" must not be empty.');
      return ctx.sources.get(args.source).contact(args.sourceId);
    },
  }),
  contacts: t.field({
    type: ContactConnection,
    // A page or two per source, then each contact's children.
    complexity: (args) => ({ field: 4, multiplier: Math.max(1, Math.min(args.first ?? 20, 100)) }),
    description: 'Contacts of the chosen sources (default: every configured source), one page at a time.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: '1 to 100.' }),
      after: t.arg.string(),
      sources: t.arg({ type: [SourceEnum] }),
      filter: t.arg({ type: ContactFilter }),
    },
    resolve: (_root, args, ctx, info) => {
      const filter = normalizeFilter(args.filter, ctx.defaultRegion);
      const sources = args.sources ? [...new Set(args.sources)].sort() : ctx.sources.configured();
      if (args.sources?.length === 0) throw GatewayError.badInput('"sources" must name at least one source.');
      for (const source of sources) ctx.sources.get(source);
      return walk(
        {
          sources,
          first: args.first ?? 20,
          after: args.after,
          filterKey: filterKey(filter),
          deadline: ctx.upstreamDeadline.at,
        },
        (source, limit, cursor, deadline) => ctx.sources.get(source).listContacts({ limit, cursor, filter, deadline }),
        (error) => recordPartial(ctx, responsePathAsArray(info.path), error),
      );
    },
  }),
}));
