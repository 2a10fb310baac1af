// Validation of every mutation's input before any upstream call (issue 12, shared/design/contract-writes.graphql).
// Each function takes the mutation's `input` as Pothos gives it (plain objects; `avatarUrl` a URL, `customAttributes`
// an object, enums as their names) and answers the shape the upstream writers take (src/upstream/writer.ts), with the
// records its ids name, or every problem of the input as userErrors (paths from the argument: ["input", "email"]).
//
// What blank and null mean:
// - create: a blank string (white space only) is the same as leaving the field out;
// - update: a field left out (undefined) is kept; null clears it, and so does a blank string (forms send "" for an
//   emptied field). Which fields a source lets clear is the source's to say (the writers answer its refusal), except
//   `role`: a contact always has one, so null is INVALID. `customAttributes: null` clears every attribute (the
//   contract's rule for null); a key set to null inside it removes that key only.
// - a Boolean with a default (`isPrimary`, `permanently`) sent as null is its default.
import { WRITE_LIMITS } from '../defaults.js';
import { type ChannelType, type ContactKind, type ContactRole, SOURCES, type Source } from '../model.js';
import type { AddressDraft, ChannelDraft, ContactChanges, ContactDraft } from '../upstream/writer.js';
import {
  body,
  type Checked,
  country,
  email,
  globalId,
  httpUrl,
  idempotencyKey,
  jsonObject,
  language,
  line,
  type Maybe,
  phone,
  type SourceRef,
  social,
  timezone,
  type WriteUserError,
} from './fields.js';

export type { SourceRef, WriteUserError } from './fields.js';

/** A validated input, or every problem found in it (never an empty list). */
export type Validated<T> = { ok: true; value: T } | { ok: false; userErrors: WriteUserError[] };

/** What validation needs besides the input. */
export interface ValidateOptions {
  /** Region for phones written without a country code (ISO 3166-1 alpha-2, e.g. US: the gateway's defaultRegion). */
  defaultRegion?: string | undefined;
}

// ------------------------------------------------------------------------------------------------ the inputs

/** The contact fields CreateContactInput and UpdateContactInput share. */
interface ContactFieldsInput {
  role?: Maybe<ContactRole>;
  name?: Maybe<string>;
  givenName?: Maybe<string>;
  familyName?: Maybe<string>;
  middleName?: Maybe<string>;
  nickname?: Maybe<string>;
  prefix?: Maybe<string>;
  suffix?: Maybe<string>;
  email?: Maybe<string>;
  phone?: Maybe<string>;
  externalId?: Maybe<string>;
  avatarUrl?: Maybe<URL | string>;
  language?: Maybe<string>;
  timezone?: Maybe<string>;
  customAttributes?: Maybe<Record<string, unknown>>;
  idempotencyKey?: Maybe<string>;
  clientMutationId?: Maybe<string>;
}

/** The contract's CreateContactInput. */
export interface CreateContactInput extends ContactFieldsInput {
  source: Source;
  kind?: Maybe<ContactKind>;
}

/** The contract's UpdateContactInput. */
export interface UpdateContactInput extends ContactFieldsInput {
  id: string;
}

/** The contract's DeleteContactInput. */
export interface DeleteContactInput {
  id: string;
  permanently?: Maybe<boolean>;
  clientMutationId?: Maybe<string>;
}

/** The contract's TagContactInput (tagContact and untagContact). */
export interface TagContactInput {
  contactId: string;
  tagName: string;
  clientMutationId?: Maybe<string>;
}

/** The contract's AddChannelInput. */
export interface AddChannelInput {
  contactId: string;
  type: ChannelType;
  value: string;
  label?: Maybe<string>;
  isPrimary?: Maybe<boolean>;
  clientMutationId?: Maybe<string>;
}

/** The contract's AddAddressInput. */
export interface AddAddressInput {
  contactId: string;
  label?: Maybe<string>;
  street?: Maybe<string>;
  extended?: Maybe<string>;
  poBox?: Maybe<string>;
  city?: Maybe<string>;
  region?: Maybe<string>;
  postalCode?: Maybe<string>;
  country?: Maybe<string>;
  countryCode?: Maybe<string>;
  isPrimary?: Maybe<boolean>;
  clientMutationId?: Maybe<string>;
}

/** The contract's AddNoteInput. */
export interface AddNoteInput {
  contactId: string;
  body: string;
  clientMutationId?: Maybe<string>;
}

/** The contract's CompanyLinkInput (attachCompany and detachCompany). */
export interface CompanyLinkInput {
  contactId: string;
  companyId: string;
  title?: Maybe<string>;
  clientMutationId?: Maybe<string>;
}

/** The contract's MergeContactsInput. */
export interface MergeContactsInput {
  fromId: string;
  intoId: string;
  clientMutationId?: Maybe<string>;
}

/** The contract's CopyContactInput. */
export interface CopyContactInput {
  id: string;
  to: Source;
  idempotencyKey?: Maybe<string>;
  clientMutationId?: Maybe<string>;
}

// ---------------------------------------------------------------------------------------------- the answers

/** createContact: where, what, and the idempotency key when one was sent. */
export interface ValidCreateContact {
  source: Source;
  draft: ContactDraft;
  idempotencyKey: string | undefined;
}

/** updateContact: the contact and its changes (absent: kept; null: cleared). */
export interface ValidUpdateContact {
  contact: SourceRef;
  changes: ContactChanges;
  idempotencyKey: string | undefined;
}

export interface ValidDeleteContact {
  contact: SourceRef;
  permanently: boolean;
}

export interface ValidTagContact {
  contact: SourceRef;
  /** Trimmed. */
  tagName: string;
}

export interface ValidAddChannel {
  contact: SourceRef;
  channel: ChannelDraft;
}

export interface ValidAddAddress {
  contact: SourceRef;
  address: AddressDraft;
}

export interface ValidAddNote {
  contact: SourceRef;
  /** Trimmed HTML. */
  body: string;
}

export interface ValidCompanyLink {
  contact: SourceRef;
  /** Of the contact's source. */
  company: SourceRef;
  /** Backside only (Intercom ignores it); undefined when not sent or blank. */
  title: string | undefined;
}

export interface ValidMergeContacts {
  /** Both Intercom contacts, and not the same one. */
  from: SourceRef;
  into: SourceRef;
}

export interface ValidCopyContact {
  contact: SourceRef;
  /** Another source than the contact's. */
  to: Source;
  idempotencyKey: string | undefined;
}

// --------------------------------------------------------------------------------------------------- helpers

const SOURCE_NAMES: Record<Source, string> = { BACKSIDE: 'Backside', INTERCOM: 'Intercom' };

/** Problems found so far in one input. */
class Problems {
  readonly errors: WriteUserError[] = [];

  add(field: string[], code: WriteUserError['code'], message: string): void {
    this.errors.push({ field, code, message });
  }

  /** The checked value, or undefined after recording why there is none. */
  take<T>(field: string[], checked: Checked<T>): T | undefined {
    if (checked.ok) return checked.value;
    this.add(field, checked.code, checked.message);
    return undefined;
  }

  answer<T>(value: () => T): Validated<T> {
    return this.errors.length > 0 ? { ok: false, userErrors: this.errors } : { ok: true, value: value() };
  }
}

const at = (name: string): string[] => ['input', name];

/** A required global id of `typename`; undefined (with the problem recorded) when it does not decode. */
function ref(problems: Problems, name: string, value: unknown, typename: 'Contact' | 'Company'): SourceRef | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.add(at(name), 'REQUIRED', `The ${name} is required.`);
    return undefined;
  }
  return problems.take(at(name), globalId(value, typename));
}

/** The optional idempotency key: undefined when absent. */
function keyOf(problems: Problems, value: Maybe<string>): string | undefined {
  return value === null || value === undefined ? undefined : problems.take(at('idempotencyKey'), idempotencyKey(value));
}

/** How each string field of a contact is read: a label for messages and a check. */
type StringCheck = (value: string, options: ValidateOptions) => Checked<string | null>;
const nameCheck =
  (label: string): StringCheck =>
  (value) =>
    line(value, label, WRITE_LIMITS.nameLength);

const CONTACT_STRINGS = {
  name: nameCheck('The name'),
  givenName: nameCheck('The given name'),
  familyName: nameCheck('The family name'),
  middleName: nameCheck('The middle name'),
  nickname: nameCheck('The nickname'),
  prefix: nameCheck('The prefix'),
  suffix: nameCheck('The suffix'),
  email: (value) => email(value),
  phone: (value, options) => phone(value, options.defaultRegion),
  externalId: (value) => line(value, 'The external id', WRITE_LIMITS.externalIdLength),
  language: (value) => language(value),
  timezone: (value) => timezone(value),
} satisfies Record<string, StringCheck>;

type ContactStringField = keyof typeof CONTACT_STRINGS;

/**
 * The contact fields of a create or an update, read into `into`: on create a blank or null field is left out, on
 * update null or blank is null (clear) and undefined is left out.
 */
function contactFields(
  problems: Problems,
  input: ContactFieldsInput,
  options: ValidateOptions,
  mode: 'create' | 'update',
  into: Record<string, unknown>,
): void {
  const set = (name: string, value: unknown) => {
    if (value !== null) into[name] = value;
    else if (mode === 'update') into[name] = null;
  };
  for (const name of Object.keys(CONTACT_STRINGS) as ContactStringField[]) {
    const value = input[name];
    if (value === undefined) continue;
    if (value === null) {
      set(name, null);
      continue;
    }
    const checked = problems.take(at(name), CONTACT_STRINGS[name](value, options));
    if (checked !== undefined) set(name, checked);
  }
  if (input.avatarUrl !== undefined) {
    if (input.avatarUrl === null) set('avatarUrl', null);
    else {
      const url = problems.take(at('avatarUrl'), httpUrl(input.avatarUrl, 'The avatar URL'));
      if (url !== undefined) set('avatarUrl', url);
    }
  }
  if (input.customAttributes !== undefined) {
    if (input.customAttributes === null) set('customAttributes', null);
    else {
      const checked = jsonObject(input.customAttributes, at('customAttributes'));
      if (Array.isArray(checked)) problems.errors.push(...checked);
      else {
        const attributes = problems.take(at('customAttributes'), checked);
        if (attributes !== undefined) set('customAttributes', attributes);
      }
    }
  }
}

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

// ------------------------------------------------------------------------------------------------- mutations

/**
 * createContact. Besides each field's own check (INVALID): `kind` other than PERSON on Intercom, and any `role` on
 * Backside, are UNSUPPORTED_BY_SOURCE; Intercom needs an email or an external id unless the role is LEAD (its
 * CreateContactRequest), and Backside something to know the contact by: a name (any part), an email or a phone
 * (REQUIRED, at ["input", "email"] for Intercom and ["input", "name"] for Backside).
 */
export function validateCreateContact(
  input: CreateContactInput,
  options: ValidateOptions = {},
): Validated<ValidCreateContact> {
  const problems = new Problems();
  const { source } = input;
  if (!SOURCES.includes(source)) problems.add(at('source'), 'INVALID', 'The source is not one this gateway knows.');
  const draft: Record<string, unknown> = {};
  contactFields(problems, input, options, 'create', draft);
  if (input.kind !== undefined && input.kind !== null) {
    if (source === 'INTERCOM' && input.kind !== 'PERSON') {
      problems.add(at('kind'), 'UNSUPPORTED_BY_SOURCE', 'Intercom holds people only: kind must be PERSON.');
    } else draft.kind = input.kind;
  }
  if (input.role !== undefined && input.role !== null) {
    if (source === 'BACKSIDE') problems.add(at('role'), 'UNSUPPORTED_BY_SOURCE', 'Backside contacts have no role.');
    else draft.role = input.role;
  }
  // What was sent counts, even when it was found invalid: that field's own error says what to fix.
  const sent = (name: keyof CreateContactInput) => typeof input[name] === 'string' && input[name].trim() !== '';
  if (source === 'INTERCOM' && input.role !== 'LEAD' && !sent('email') && !sent('externalId')) {
    problems.add(at('email'), 'REQUIRED', 'Intercom needs an email or an external id to create a user (or role LEAD).');
  }
  const named = (['name', 'givenName', 'familyName', 'middleName', 'nickname'] as const).some(sent);
  if (source === 'BACKSIDE' && !named && !sent('email') && !sent('phone')) {
    problems.add(at('name'), 'REQUIRED', 'Backside needs a name, an email or a phone to create a contact.');
  }
  const key = keyOf(problems, input.idempotencyKey);
  return problems.answer(() => ({ source, draft: draft as ContactDraft, idempotencyKey: key }));
}

/**
 * updateContact: `id` a Contact id; each field as on create, but null (or blank) clears it; `role` only on Intercom
 * (UNSUPPORTED_BY_SOURCE on Backside) and never null (INVALID); at least one field to change (REQUIRED at ["input"]).
 */
export function validateUpdateContact(
  input: UpdateContactInput,
  options: ValidateOptions = {},
): Validated<ValidUpdateContact> {
  const problems = new Problems();
  const contact = ref(problems, 'id', input.id, 'Contact');
  const changes: Record<string, unknown> = {};
  contactFields(problems, input, options, 'update', changes);
  if (input.role !== undefined) {
    if (contact?.source === 'BACKSIDE') {
      problems.add(at('role'), 'UNSUPPORTED_BY_SOURCE', 'Backside contacts have no role.');
    } else if (input.role === null) {
      problems.add(at('role'), 'INVALID', 'A contact’s role cannot be cleared: set USER or LEAD.');
    } else changes.role = input.role;
  }
  const key = keyOf(problems, input.idempotencyKey);
  if (problems.errors.length === 0 && Object.keys(changes).length === 0) {
    problems.add(['input'], 'REQUIRED', 'Nothing to change: give at least one field.');
  }
  return problems.answer(() => ({
    contact: contact as SourceRef,
    changes: changes as ContactChanges,
    idempotencyKey: key,
  }));
}

/** deleteContact: `id` a Contact id; `permanently: true` only on Intercom (Backside only soft-deletes). */
export function validateDeleteContact(input: DeleteContactInput): Validated<ValidDeleteContact> {
  const problems = new Problems();
  const contact = ref(problems, 'id', input.id, 'Contact');
  const permanently = input.permanently === true;
  if (permanently && contact?.source === 'BACKSIDE') {
    problems.add(
      at('permanently'),
      'UNSUPPORTED_BY_SOURCE',
      'Backside only soft-deletes contacts: permanently must be false.',
    );
  }
  return problems.answer(() => ({ contact: contact as SourceRef, permanently }));
}

/** tagContact and untagContact: `contactId` a Contact id; `tagName` trimmed, non-blank (REQUIRED), ≤ 255. */
export function validateTagContact(input: TagContactInput): Validated<ValidTagContact> {
  const problems = new Problems();
  const contact = ref(problems, 'contactId', input.contactId, 'Contact');
  const name = problems.take(at('tagName'), line(input.tagName ?? '', 'The tag name', WRITE_LIMITS.tagNameLength));
  if (name === null) problems.add(at('tagName'), 'REQUIRED', 'The tag name must not be empty.');
  return problems.answer(() => ({ contact: contact as SourceRef, tagName: name as string }));
}

/** The channel value, canonical for its type; null when blank. */
function channelValue(type: ChannelType, value: string, options: ValidateOptions): Checked<string | null> {
  switch (type) {
    case 'EMAIL':
      return email(value);
    case 'PHONE':
      return phone(value, options.defaultRegion);
    case 'WEBSITE':
      return httpUrl(value, 'The website');
    case 'SOCIAL':
      return social(value);
    default:
      return line(value, 'The value', WRITE_LIMITS.channelValueLength);
  }
}

/**
 * addChannel: `contactId` a Contact id; `value` read by `type` (EMAIL an email, lowercased; PHONE a phone, E.164;
 * WEBSITE an absolute http(s) URL; SOCIAL such a URL or a handle like `@ada`; OTHER any one-line text), REQUIRED when
 * blank; `label` ≤ 255.
 */
export function validateAddChannel(input: AddChannelInput, options: ValidateOptions = {}): Validated<ValidAddChannel> {
  const problems = new Problems();
  const contact = ref(problems, 'contactId', input.contactId, 'Contact');
  const value = problems.take(at('value'), channelValue(input.type, input.value ?? '', options));
  if (value === null) problems.add(at('value'), 'REQUIRED', 'The value must not be empty.');
  const label = optionalLine(problems, 'label', input.label, 'The label', WRITE_LIMITS.labelLength);
  return problems.answer(() => ({
    contact: contact as SourceRef,
    channel: { type: input.type, value: value as string, label, isPrimary: input.isPrimary === true },
  }));
}

/** An optional one-line field: undefined when absent or blank. */
function optionalLine(
  problems: Problems,
  name: string,
  value: Maybe<string>,
  label: string,
  max: number,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  return problems.take(at(name), line(value, label, max)) ?? undefined;
}

const ADDRESS_LINES = {
  street: 'The street',
  extended: 'The extended address',
  poBox: 'The PO box',
  city: 'The city',
  region: 'The region',
  postalCode: 'The postal code',
  country: 'The country',
} as const;

/**
 * addAddress: `contactId` a Contact id; every field trimmed and ≤ WRITE_LIMITS.addressFieldLength (label ≤ 255);
 * `countryCode` an ISO 3166-1 alpha-2 code; at least one field besides label and isPrimary (REQUIRED at ["input"]).
 */
export function validateAddAddress(input: AddAddressInput): Validated<ValidAddAddress> {
  const problems = new Problems();
  const contact = ref(problems, 'contactId', input.contactId, 'Contact');
  const address: Record<string, unknown> = {};
  let given = false;
  for (const [name, label] of Object.entries(ADDRESS_LINES) as [keyof typeof ADDRESS_LINES, string][]) {
    const value = input[name];
    if (present(value) && (value as string).trim() !== '') given = true;
    const checked = optionalLine(problems, name, value, label, WRITE_LIMITS.addressFieldLength);
    if (checked !== undefined) address[name] = checked;
  }
  const label = optionalLine(problems, 'label', input.label, 'The label', WRITE_LIMITS.labelLength);
  if (label !== undefined) address.label = label;
  if (typeof input.countryCode === 'string' && input.countryCode.trim() !== '') {
    given = true;
    const code = problems.take(at('countryCode'), country(input.countryCode));
    if (code) address.countryCode = code;
  }
  if (!given) problems.add(['input'], 'REQUIRED', 'An address needs at least one of its fields.');
  address.isPrimary = input.isPrimary === true;
  return problems.answer(() => ({ contact: contact as SourceRef, address: address as AddressDraft }));
}

/**
 * addNote: `contactId` a Contact id, of Intercom (Backside has no notes: UNSUPPORTED_BY_SOURCE at
 * ["input", "contactId"]); `body` HTML, trimmed, non-blank (REQUIRED), ≤ 64 KiB of UTF-8.
 */
export function validateAddNote(input: AddNoteInput): Validated<ValidAddNote> {
  const problems = new Problems();
  const contact = ref(problems, 'contactId', input.contactId, 'Contact');
  if (contact?.source === 'BACKSIDE') {
    problems.add(at('contactId'), 'UNSUPPORTED_BY_SOURCE', 'Backside has no notes.');
  }
  const text = problems.take(at('body'), body(input.body ?? '', 'The note', WRITE_LIMITS.noteBodyBytes));
  return problems.answer(() => ({ contact: contact as SourceRef, body: text as string }));
}

/**
 * attachCompany and detachCompany: `contactId` a Contact id, `companyId` a Company id of the same source (INVALID at
 * ["input", "companyId"] otherwise); `title` ≤ 255 (Backside keeps it, Intercom ignores it).
 */
export function validateCompanyLink(input: CompanyLinkInput): Validated<ValidCompanyLink> {
  const problems = new Problems();
  const contact = ref(problems, 'contactId', input.contactId, 'Contact');
  const company = ref(problems, 'companyId', input.companyId, 'Company');
  if (contact && company && contact.source !== company.source) {
    problems.add(
      at('companyId'),
      'INVALID',
      `The company is in ${SOURCE_NAMES[company.source]}, the contact in ${SOURCE_NAMES[contact.source]}: both must be of one source.`,
    );
  }
  const title = optionalLine(problems, 'title', input.title, 'The title', WRITE_LIMITS.titleLength);
  return problems.answer(() => ({ contact: contact as SourceRef, company: company as SourceRef, title }));
}

/**
 * mergeContacts: `fromId` and `intoId` Contact ids, both of Intercom (a Backside one is UNSUPPORTED_BY_SOURCE at its
 * field), and not the same contact (INVALID at ["input", "intoId"]).
 */
export function validateMergeContacts(input: MergeContactsInput): Validated<ValidMergeContacts> {
  const problems = new Problems();
  const from = ref(problems, 'fromId', input.fromId, 'Contact');
  const into = ref(problems, 'intoId', input.intoId, 'Contact');
  for (const [name, contact] of [
    ['fromId', from],
    ['intoId', into],
  ] as const) {
    if (contact && contact.source !== 'INTERCOM') {
      problems.add(at(name), 'UNSUPPORTED_BY_SOURCE', 'Only Intercom contacts merge (a lead into a user).');
    }
  }
  if (from && into && from.source === into.source && from.sourceId === into.sourceId) {
    problems.add(at('intoId'), 'INVALID', 'A contact cannot be merged into itself.');
  }
  return problems.answer(() => ({ from: from as SourceRef, into: into as SourceRef }));
}

/** copyContact: `id` a Contact id; `to` another source than the contact's (INVALID at ["input", "to"]). */
export function validateCopyContact(input: CopyContactInput): Validated<ValidCopyContact> {
  const problems = new Problems();
  const contact = ref(problems, 'id', input.id, 'Contact');
  if (!SOURCES.includes(input.to)) problems.add(at('to'), 'INVALID', 'The source is not one this gateway knows.');
  else if (contact && contact.source === input.to) {
    problems.add(
      at('to'),
      'INVALID',
      `The contact is already in ${SOURCE_NAMES[input.to]}: copy it to another source.`,
    );
  }
  const key = keyOf(problems, input.idempotencyKey);
  return problems.answer(() => ({ contact: contact as SourceRef, to: input.to, idempotencyKey: key }));
}
