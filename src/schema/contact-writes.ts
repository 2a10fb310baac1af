// The write API of shared/design/contract-writes.graphql for contacts: each mutation validates its input before any
// upstream call (src/writes/validate.ts), hands the canonical change to the contact's source (src/upstream/writer.ts
// via ctx.writes), and answers the record after the change, or userErrors and no change at all.
import type { GatewayContext } from '../context.js';
import type { Contact, Note, Source } from '../model.js';
import type { SourceWriter, WriteResult } from '../upstream/writer.js';
import { fromSource, idempotent, refused, type UserError, type WriteOutcome } from '../writes/outcome.js';
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

const CreateContactInput = builder.inputType('CreateContactInput', {
  fields: (t) => ({
    source: t.field({ type: SourceEnum, required: true }),
    kind: t.field({
      type: ContactKindEnum,
      description: 'Backside: PERSON (default), ORGANIZATION or GROUP. Intercom holds people only.',
    }),
    role: t.field({ type: ContactRoleEnum, description: 'Intercom: USER (default) or LEAD. Backside has no role.' }),
    name: t.string({ description: 'Intercom keeps one name: when absent, the given, middle and family names joined.' }),
    givenName: t.string(),
    familyName: t.string(),
    middleName: t.string(),
    nickname: t.string(),
    prefix: t.string(),
    suffix: t.string(),
    email: t.string(),
    phone: t.string({ description: 'Any common spelling; stored in E.164 where the source expects it.' }),
    externalId: t.string(),
    avatarUrl: t.field({ type: 'URL' }),
    language: t.string(),
    timezone: t.string(),
    customAttributes: t.field({ type: 'JSONObject' }),
    idempotencyKey: t.string({
      description:
        'The same key with the same input, within 24 hours and from the same caller, answers the first call’s result ' +
        'without writing again; with other input it answers IDEMPOTENCY_CONFLICT.',
    }),
    clientMutationId: t.string(),
  }),
});

const UpdateContactInput = builder.inputType('UpdateContactInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    role: t.field({ type: ContactRoleEnum }),
    name: t.string(),
    givenName: t.string(),
    familyName: t.string(),
    middleName: t.string(),
    nickname: t.string(),
    prefix: t.string(),
    suffix: t.string(),
    email: t.string(),
    phone: t.string(),
    externalId: t.string(),
    avatarUrl: t.field({ type: 'URL' }),
    language: t.string(),
    timezone: t.string(),
    customAttributes: t.field({
      type: 'JSONObject',
      description: 'Merged into the existing attributes: a key set to null removes it.',
    }),
    idempotencyKey: t.string(),
    clientMutationId: t.string(),
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
 * One change to one contact's source: the writer's refusal becomes userErrors; a success tells the scope (caches),
 * and, with an idempotency key, is kept as the record's source id and read again on a replay.
 */
export function contactWrite(
  ctx: GatewayContext,
  mutation: string,
  source: Source,
  input: object,
  key: string | undefined,
  run: (writer: SourceWriter) => Promise<WriteResult<Contact>>,
): Promise<WriteOutcome<Contact>> {
  return idempotent(
    ctx.writes,
    mutation,
    key,
    input,
    async () => {
      const result = await run(ctx.writes.writers.get(source));
      if (!result.ok) return refused(fromSource(result.errors, source));
      ctx.writes.changed(source);
      return { value: result.value, userErrors: [] };
    },
    (contact) => ({ source: contact.source, sourceId: contact.sourceId }),
    (kept) => ctx.sources.get(kept.source).contact(kept.sourceId),
  );
}

const contactPayload = (outcome: WriteOutcome<Contact>, input: { clientMutationId?: string | null }) => ({
  contact: outcome.value,
  ...payloadBase(outcome.userErrors, input),
});

/** A validated input's change to one contact, or the validation's userErrors as the payload. */
async function onContact<V>(
  ctx: GatewayContext,
  mutation: string,
  input: { clientMutationId?: string | null },
  validated: validate.Validated<V>,
  target: (value: V) => { source: Source; key?: string | undefined },
  run: (writer: SourceWriter, value: V) => Promise<WriteResult<Contact>>,
) {
  if (!validated.ok) return contactPayload(refused(validated.userErrors), input);
  const { source, key } = target(validated.value);
  const value = validated.value;
  return contactPayload(await contactWrite(ctx, mutation, source, input, key, (writer) => run(writer, value)), input);
}

const regionOf = (ctx: GatewayContext) => ({ defaultRegion: ctx.defaultRegion });

builder.mutationFields((t) => ({
  createContact: t.field({
    type: ContactPayload,
    description: 'Create a contact in one source.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: CreateContactInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'createContact',
        input,
        validate.validateCreateContact(input as validate.CreateContactInput, regionOf(ctx)),
        (v) => ({ source: v.source, key: v.idempotencyKey }),
        (writer, v) => writer.createContact(v.draft),
      ),
  }),
  updateContact: t.field({
    type: ContactPayload,
    description:
      "Change a contact's own fields. A field left out is kept; a field set to null is cleared where the source allows.",
    complexity: WRITE_COST,
    args: { input: t.arg({ type: UpdateContactInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'updateContact',
        input,
        validate.validateUpdateContact(input as validate.UpdateContactInput, regionOf(ctx)),
        (v) => ({ source: v.contact.source, key: v.idempotencyKey }),
        (writer, v) => writer.updateContact(v.contact.sourceId, v.changes),
      ),
  }),
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
      ctx.writes.changed(contact.source);
      return { deletedContactId: String(input.id), ...base([]) };
    },
  }),
  tagContact: t.field({
    type: ContactPayload,
    description: "Tag a contact by tag name; the tag is created in the contact's source when it does not exist yet.",
    complexity: WRITE_COST,
    args: { input: t.arg({ type: TagContactInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'tagContact',
        input,
        validate.validateTagContact(input as validate.TagContactInput),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.tagContact(v.contact.sourceId, v.tagName),
      ),
  }),
  untagContact: t.field({
    type: ContactPayload,
    description: 'Remove a tag from a contact, by tag name. Removing a tag the contact does not have is not an error.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: TagContactInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'untagContact',
        input,
        validate.validateTagContact(input as validate.TagContactInput),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.untagContact(v.contact.sourceId, v.tagName),
      ),
  }),
  addChannel: t.field({
    type: ContactPayload,
    description: 'Add an email, phone, social or website channel to a contact.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: AddChannelInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'addChannel',
        input,
        validate.validateAddChannel(input as validate.AddChannelInput, regionOf(ctx)),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.addChannel(v.contact.sourceId, v.channel),
      ),
  }),
  addAddress: t.field({
    type: ContactPayload,
    description: 'Add a postal address to a contact.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: AddAddressInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'addAddress',
        input,
        validate.validateAddAddress(input as validate.AddAddressInput),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.addAddress(v.contact.sourceId, v.address),
      ),
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
      ctx.writes.changed(contact.source);
      return { ...result.value, ...payloadBase([], input) };
    },
  }),
  attachCompany: t.field({
    type: ContactPayload,
    description: 'Attach a contact to a company (Intercom company, Backside organization).',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: CompanyLinkInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'attachCompany',
        input,
        validate.validateCompanyLink(input as validate.CompanyLinkInput),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.attachCompany(v.contact.sourceId, v.company.sourceId, v.title),
      ),
  }),
  detachCompany: t.field({
    type: ContactPayload,
    description: 'Detach a contact from a company.',
    complexity: WRITE_COST,
    args: { input: t.arg({ type: CompanyLinkInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'detachCompany',
        input,
        validate.validateCompanyLink(input as validate.CompanyLinkInput),
        (v) => ({ source: v.contact.source }),
        (writer, v) => writer.detachCompany(v.contact.sourceId, v.company.sourceId),
      ),
  }),
  mergeContacts: t.field({
    type: ContactPayload,
    description: "Merge an Intercom lead into an Intercom user; the lead's id then answers as the user (410 upstream).",
    complexity: WRITE_COST,
    args: { input: t.arg({ type: MergeContactsInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      onContact(
        ctx,
        'mergeContacts',
        input,
        validate.validateMergeContacts(input as validate.MergeContactsInput),
        (v) => ({ source: v.into.source }),
        (writer, v) => writer.mergeContacts(v.from.sourceId, v.into.sourceId),
      ),
  }),
}));
