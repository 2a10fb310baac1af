// The write API of shared/design/contract-writes.graphql for contacts: each mutation validates its input before any
// upstream call (src/writes/validate.ts), hands the canonical change to the contact's source (src/upstream/writer.ts
// via ctx.writes), and answers the record after the change, or userErrors and no change at all.

import type { GatewayContext } from '../context.js';
import type { Contact, Note, Source } from '../model.js';
import { isOutcomeUnknown, type SourceWriter, type WriteResult } from '../upstream/writer.js';
import {
  fromSource,
  idempotent,
  refused,
  type UserError,
  type WriteChange,
  type WriteOutcome,
} from '../writes/outcome.js';
import * as validate from '../writes/validate.js';
import { builder } from './builder.js';
import { ChannelTypeEnum } from './channel.js';
import { ContactKindEnum, ContactRef, ContactRoleEnum } from './contact.js';
import { NoteRef } from './note.js';
import { SourceEnum } from './source.js';
import { payloadBase, UserErrorRef } from './user-error.js';

// Every mutation may call its source a few times (the write, a tag lookup, the record read again).
const WRITE_COST = 5;

// ------------------------------------------------------------------------------------------------------ payloads

interface PayloadBase {
  userErrors: UserError[];
  clientMutationId: string | null;
}

const ContactPayload = builder.objectRef<PayloadBase & { contact: Contact | null }>('ContactPayload').implement({
  fields: (t) => ({
    contact: t.expose('contact', {
      type: ContactRef,
      nullable: true,
      description: 'The contact after the change; null when there are userErrors.',
    }),
    userErrors: t.expose('userErrors', { type: [UserErrorRef] }),
    clientMutationId: t.exposeString('clientMutationId', { nullable: true }),
  }),
});

const DeleteContactPayload = builder
  .objectRef<PayloadBase & { deletedContactId: string | null }>('DeleteContactPayload')
  .implement({
    fields: (t) => ({
      deletedContactId: t.exposeID('deletedContactId', {
        nullable: true,
        description: 'Global id of the removed contact; null when there are userErrors.',
      }),
      userErrors: t.expose('userErrors', { type: [UserErrorRef] }),
      clientMutationId: t.exposeString('clientMutationId', { nullable: true }),
    }),
  });

const NotePayload = builder
  .objectRef<PayloadBase & { note: Note | null; contact: Contact | null }>('NotePayload')
  .implement({
    fields: (t) => ({
      note: t.expose('note', { type: NoteRef, nullable: true }),
      contact: t.expose('contact', {
        type: ContactRef,
        nullable: true,
        description: 'The contact the note was added to, after the change.',
      }),
      userErrors: t.expose('userErrors', { type: [UserErrorRef] }),
      clientMutationId: t.exposeString('clientMutationId', { nullable: true }),
    }),
  });

// -------------------------------------------------------------------------------------------------------- inputs

/** The builder of an input type's fields, as `builder.inputType` hands it. */
type InputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

/**
 * The contact fields CreateContactInput and UpdateContactInput share, each with the contract's description for that
 * input (`described`: field name → description).
 */
function contactFields(t: InputFields, described: Record<string, string> = {}) {
  const about = (name: string) => (described[name] ? { description: described[name] } : {});
  const text = (name: string) => t.string(about(name));
  return {
    role: t.field({ type: ContactRoleEnum, ...about('role') }),
    name: text('name'),
    givenName: text('givenName'),
    familyName: text('familyName'),
    middleName: text('middleName'),
    nickname: text('nickname'),
    prefix: text('prefix'),
    suffix: text('suffix'),
    email: text('email'),
    phone: text('phone'),
    externalId: text('externalId'),
    avatarUrl: t.field({ type: 'URL', ...about('avatarUrl') }),
    language: text('language'),
    timezone: text('timezone'),
    customAttributes: t.field({ type: 'JSONObject', ...about('customAttributes') }),
    idempotencyKey: text('idempotencyKey'),
    clientMutationId: text('clientMutationId'),
  };
}

const CreateContactInput = builder.inputType('CreateContactInput', {
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true }),
    kind: t.field({
      type: ContactKindEnum,
      description: 'Backside: PERSON (default), ORGANIZATION or GROUP. Intercom holds people only.',
    }),
    ...contactFields(t, {
      role: 'Intercom: USER (default) or LEAD. Backside has no role.',
      name: 'Intercom keeps one name: when absent, the given, middle and family names joined.',
      phone: 'Any common spelling; stored in E.164 where the source expects it.',
      idempotencyKey:
        'The same key with the same input, within 24 hours and from the same caller, answers the first call’s result ' +
        'without writing again; with other input it answers IDEMPOTENCY_CONFLICT.',
    }),
  }),
});

const UpdateContactInput = builder.inputType('UpdateContactInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    ...contactFields(t, { customAttributes: 'Merged into the existing attributes: a key set to null removes it.' }),
  }),
});

const DeleteContactInput = builder.inputType('DeleteContactInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    permanently: t.boolean({ defaultValue: false, description: 'Intercom only: delete instead of archive.' }),
    clientMutationId: t.string(),
  }),
});

const TagContactInput = builder.inputType('TagContactInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    tagName: t.string({ required: true }),
    clientMutationId: t.string(),
  }),
});

const AddChannelInput = builder.inputType('AddChannelInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    type: t.field({ type: ChannelTypeEnum, required: true }),
    value: t.string({ required: true }),
    label: t.string(),
    isPrimary: t.boolean({ defaultValue: false }),
    clientMutationId: t.string(),
  }),
});

const AddAddressInput = builder.inputType('AddAddressInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    label: t.string(),
    street: t.string(),
    extended: t.string(),
    poBox: t.string(),
    city: t.string(),
    region: t.string(),
    postalCode: t.string(),
    country: t.string(),
    countryCode: t.field({ type: 'CountryCode' }),
    isPrimary: t.boolean({ defaultValue: false }),
    clientMutationId: t.string(),
  }),
});

const AddNoteInput = builder.inputType('AddNoteInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    body: t.string({ required: true, description: 'HTML allowed; stored as the source keeps notes.' }),
    clientMutationId: t.string(),
  }),
});

const CompanyLinkInput = builder.inputType('CompanyLinkInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    companyId: t.id({ required: true }),
    title: t.string({ description: 'Backside affiliation details; ignored by Intercom.' }),
    clientMutationId: t.string(),
  }),
});

const MergeContactsInput = builder.inputType('MergeContactsInput', {
  fields: (t) => ({
    fromId: t.id({ required: true, description: 'The lead that goes away.' }),
    intoId: t.id({ required: true, description: 'The user that stays.' }),
    clientMutationId: t.string(),
  }),
});

// ----------------------------------------------------------------------------------------------------- resolving

/**
 * One change to one contact's source: the writer's refusal becomes userErrors; a success tells the scope (caches,
 * and the change stream: `change` names what changed, given the contact answered), and, with an idempotency key, is kept as the record's source id and read again on a replay. `recover`, for creates:
 * a retry after an unknown outcome looks the record up instead of writing again.
 */
export function contactWrite(
  ctx: GatewayContext,
  mutation: string,
  source: Source,
  input: object,
  key: string | undefined,
  run: (writer: SourceWriter) => Promise<WriteResult<Contact>>,
  change: (contact: Contact) => WriteChange,
  recover?: (writer: SourceWriter, startedAt: number) => Promise<WriteResult<Contact>>,
): Promise<WriteOutcome<Contact>> {
  const settle = (result: WriteResult<Contact>): WriteOutcome<Contact> => {
    if (!result.ok) return refused(fromSource(result.errors, source));
    ctx.writes.changed(source, change(result.value));
    return { value: result.value, userErrors: [] };
  };
  return idempotent(
    ctx.writes,
    mutation,
    key,
    input,
    async () => settle(await run(ctx.writes.writers.get(source))),
    (contact) => ({ source: contact.source, sourceId: contact.sourceId }),
    (kept) => ctx.sources.get(kept.source).contact(kept.sourceId),
    recover && {
      is: isOutcomeUnknown,
      recover: async (startedAt) => settle(await recover(ctx.writes.writers.get(source), startedAt)),
    },
  );
}

/** A mutation answering ContactPayload: how it reads its input, which source it writes, and the write. */
interface ContactMutation<V> {
  description: string;
  /** The mutation's input type (one of the refs above). */
  input: unknown;
  validate(input: never, ctx: GatewayContext): validate.Validated<V>;
  target(value: V): { source: Source; key?: string | undefined };
  run(writer: SourceWriter, value: V): Promise<WriteResult<Contact>>;
  /** What the change stream is told of a success (`contact`: the record answered); default UPDATED of that record. */
  change?(value: V, contact: Contact): WriteChange;
  recover?(writer: SourceWriter, value: V, startedAt: number): Promise<WriteResult<Contact>>;
}

/** Defines `name` on Mutation: validate (userErrors, no call), then write through the contact's source. */
function contactMutation<V>(name: string, spec: ContactMutation<V>): void {
  builder.mutationField(name, (t) =>
    t.field({
      type: ContactPayload,
      description: spec.description,
      complexity: WRITE_COST,
      args: { input: t.arg({ type: spec.input as typeof CreateContactInput, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const base = input as { clientMutationId?: string | null };
        const validated = spec.validate(input as never, ctx);
        const payload = (outcome: WriteOutcome<Contact>) => ({
          contact: outcome.value,
          ...payloadBase(outcome.userErrors, base),
        });
        if (!validated.ok) return payload(refused(validated.userErrors));
        const value = validated.value;
        const { source, key } = spec.target(value);
        const recover = spec.recover;
        const change = spec.change ?? ((_v: V, contact: Contact) => updated(contact));
        return payload(
          await contactWrite(
            ctx,
            name,
            source,
            base,
            key,
            (writer) => spec.run(writer, value),
            (contact) => change(value, contact),
            recover && ((writer, startedAt) => recover(writer, value, startedAt)),
          ),
        );
      },
    }),
  );
}

const updated = (contact: Contact): WriteChange => ({ kind: 'UPDATED', sourceId: contact.sourceId });
const region = (ctx: GatewayContext) => ({ defaultRegion: ctx.defaultRegion });
const onContact = <V extends { contact: { source: Source } }>(value: V) => ({ source: value.contact.source });

contactMutation('createContact', {
  description: 'Create a contact in one source.',
  input: CreateContactInput,
  validate: (input, ctx) => validate.validateCreateContact(input, region(ctx)),
  target: (v) => ({ source: v.source, key: v.idempotencyKey }),
  run: (writer, v) => writer.createContact(v.draft),
  change: (_v, contact) => ({ kind: 'CREATED', sourceId: contact.sourceId }),
  recover: (writer, v, startedAt) => writer.recoverCreate(v.draft, startedAt),
});

contactMutation('updateContact', {
  description:
    "Change a contact's own fields. A field left out is kept; a field set to null is cleared where the source allows.",
  input: UpdateContactInput,
  validate: (input, ctx) => validate.validateUpdateContact(input, region(ctx)),
  target: (v) => ({ source: v.contact.source, key: v.idempotencyKey }),
  run: (writer, v) => writer.updateContact(v.contact.sourceId, v.changes),
});

contactMutation('tagContact', {
  description: "Tag a contact by tag name; the tag is created in the contact's source when it does not exist yet.",
  input: TagContactInput,
  validate: (input) => validate.validateTagContact(input),
  target: onContact,
  run: (writer, v) => writer.tagContact(v.contact.sourceId, v.tagName),
  change: (v) => ({ kind: 'TAGGED', sourceId: v.contact.sourceId }),
});

contactMutation('untagContact', {
  description: 'Remove a tag from a contact, by tag name. Removing a tag the contact does not have is not an error.',
  input: TagContactInput,
  validate: (input) => validate.validateTagContact(input),
  target: onContact,
  run: (writer, v) => writer.untagContact(v.contact.sourceId, v.tagName),
  change: (v) => ({ kind: 'UNTAGGED', sourceId: v.contact.sourceId }),
});

contactMutation('addChannel', {
  description: 'Add an email, phone, social or website channel to a contact.',
  input: AddChannelInput,
  validate: (input, ctx) => validate.validateAddChannel(input, region(ctx)),
  target: onContact,
  run: (writer, v) => writer.addChannel(v.contact.sourceId, v.channel),
});

contactMutation('addAddress', {
  description: 'Add a postal address to a contact.',
  input: AddAddressInput,
  validate: (input) => validate.validateAddAddress(input),
  target: onContact,
  run: (writer, v) => writer.addAddress(v.contact.sourceId, v.address),
});

contactMutation('attachCompany', {
  description: 'Attach a contact to a company (Intercom company, Backside organization).',
  input: CompanyLinkInput,
  validate: (input) => validate.validateCompanyLink(input),
  target: onContact,
  run: (writer, v) => writer.attachCompany(v.contact.sourceId, v.company.sourceId, v.title),
});

contactMutation('detachCompany', {
  description: 'Detach a contact from a company.',
  input: CompanyLinkInput,
  validate: (input) => validate.validateCompanyLink(input),
  target: onContact,
  run: (writer, v) => writer.detachCompany(v.contact.sourceId, v.company.sourceId),
});

contactMutation('mergeContacts', {
  description: "Merge an Intercom lead into an Intercom user; the lead's id then answers as the user (410 upstream).",
  input: MergeContactsInput,
  validate: (input) => validate.validateMergeContacts(input),
  target: (v) => ({ source: v.into.source }),
  run: (writer, v) => writer.mergeContacts(v.from.sourceId, v.into.sourceId),
  // The lead goes away: the change is to it, naming the user it now answers as.
  change: (v) => ({ kind: 'MERGED', sourceId: v.from.sourceId, mergedIntoId: v.into.sourceId }),
});

builder.mutationFields((t) => ({
  deleteContact: t.field({
    type: DeleteContactPayload,
    description:
      'Remove a contact: Intercom archives it (or deletes it with `permanently: true`); Backside soft-deletes it.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: DeleteContactInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const validated = validate.validateDeleteContact(input as validate.DeleteContactInput);
      const base = (userErrors: UserError[]) => payloadBase(userErrors, input);
      if (!validated.ok) return { deletedContactId: null, ...base(validated.userErrors) };
      const { contact, permanently } = validated.value;
      const result = await ctx.writes.writers.get(contact.source).deleteContact(contact.sourceId, { permanently });
      if (!result.ok) return { deletedContactId: null, ...base(fromSource(result.errors, contact.source)) };
      // Backside soft-deletes; Intercom archives unless told to delete permanently.
      const kind = contact.source === 'INTERCOM' && !permanently ? 'ARCHIVED' : 'DELETED';
      ctx.writes.changed(contact.source, { kind, sourceId: contact.sourceId });
      return { deletedContactId: String(input.id), ...base([]) };
    },
  }),
  addNote: t.field({
    type: NotePayload,
    description: 'Add a note to a contact (Intercom notes; a source without notes answers UNSUPPORTED_BY_SOURCE).',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: AddNoteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const validated = validate.validateAddNote(input as validate.AddNoteInput);
      const none = { note: null, contact: null };
      if (!validated.ok) return { ...none, ...payloadBase(validated.userErrors, input) };
      const { contact, body } = validated.value;
      const result = await ctx.writes.writers.get(contact.source).addNote(contact.sourceId, body);
      if (!result.ok) return { ...none, ...payloadBase(fromSource(result.errors, contact.source), input) };
      ctx.writes.changed(contact.source, { kind: 'NOTE_ADDED', sourceId: contact.sourceId });
      return { ...result.value, ...payloadBase([], input) };
    },
  }),
}));
