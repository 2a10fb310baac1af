// Writes to one source, in the unified model (shared/design/contract-writes.graphql). Each source's writer maps these
// shapes onto its own endpoints (src/upstream/<source>/writer.ts) and answers what a caller can fix as data
// (SourceUserError), never as a thrown error; upstream failures stay thrown GatewayErrors with their codes.
import type { Address, ChannelType, Contact, ContactKind, ContactRole, JsonObject, Note, Source } from '../model.js';

/** The userError codes a source can answer (the contract's UserErrorCode, less what only the gateway decides). */
export type SourceUserErrorCode = 'INVALID' | 'REQUIRED' | 'TAKEN' | 'NOT_FOUND' | 'UNSUPPORTED_BY_SOURCE';

/** What the caller can fix, as the source said it (or as we know the source would). */
export interface SourceUserError {
  code: SourceUserErrorCode;
  /** The unified input field at fault (e.g. `email`), when the source named one we map; else undefined. */
  field?: string | undefined;
  /** Ours, safe to show: never an upstream body, URL or token. */
  message: string;
  /** TAKEN: the source id of the record already holding the value, when the source named it. */
  existingId?: string | undefined;
}

export { isOutcomeUnknown } from './http/failure.js';

export type WriteResult<T> = { ok: true; value: T } | { ok: false; errors: SourceUserError[] };

/**
 * A contact to create, already validated and canonical (email trimmed and lowercased, phone E.164, URLs absolute
 * http(s)). Absent fields are not sent.
 */
export interface ContactDraft {
  /** Backside: default PERSON. Intercom: PERSON only (the gateway refuses others before calling). */
  kind?: ContactKind | undefined;
  /** Intercom: default USER. Backside has no role (refused before calling). */
  role?: ContactRole | undefined;
  name?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  middleName?: string | undefined;
  nickname?: string | undefined;
  prefix?: string | undefined;
  suffix?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  externalId?: string | undefined;
  avatarUrl?: string | undefined;
  language?: string | undefined;
  timezone?: string | undefined;
  customAttributes?: JsonObject | undefined;
}

/** Changes to a contact: a key absent is kept, `null` clears (where the source allows). */
export type ContactChanges = {
  [K in Exclude<keyof ContactDraft, 'kind'>]?: NonNullable<ContactDraft[K]> | null;
};

/** A channel to add; `value` canonical for its type (email lowercased, phone E.164, website absolute URL). */
export interface ChannelDraft {
  type: ChannelType;
  value: string;
  label?: string | undefined;
  isPrimary: boolean;
}

/** A postal address to add; every field optional, at least one set (checked before calling). */
export type AddressDraft = Partial<
  Pick<Address, 'label' | 'street' | 'extended' | 'poBox' | 'city' | 'region' | 'postalCode' | 'country'>
> & {
  countryCode?: string | undefined;
  isPrimary: boolean;
};

/**
 * One source's writes, made per request like its connector (same credential, same deadline). Every method:
 * - answers `{ ok: false, errors }` for what the caller can fix: the source's 400/409/422 mapped to INVALID / TAKEN,
 *   a 404 of the record to NOT_FOUND, an operation the source lacks (or an assumed Backside endpoint answering
 *   404-for-the-route, 405 or 501) to UNSUPPORTED_BY_SOURCE, and then nothing was changed;
 * - throws a GatewayError with the source's code for upstream failures (UPSTREAM_*), as reads do;
 * - never retries a non-idempotent write (a create, a POST) blindly: an answer lost after the request went out is
 *   resolved by looking the record up (see `createContact`) or thrown as a GatewayError saying the outcome is unknown;
 * - after it changed something, drops what this request's connector holds of that contact (its loaders), and the
 *   transport drops the credential's cached and in-flight reads of the source, so no later read is stale.
 * `Contact` answers are the record as it is after the change (read again when the write's answer is not the record).
 */
export interface SourceWriter {
  readonly source: Source;
  /**
   * Creates a contact. A lost answer (timeout or connection reset after the request was sent) is resolved by looking
   * the contact up by external id, then email (a record created at or after the attempt started counts as ours);
   * when none is found the outcome is unknown: throws GatewayError UPSTREAM_TIMEOUT / UPSTREAM_UNAVAILABLE whose
   * message says the contact may or may not have been created. Never sends a second create.
   */
  createContact(draft: ContactDraft): Promise<WriteResult<Contact>>;
  /**
   * A create whose outcome stayed unknown (createContact threw an outcome-unknown error), looked up again and never
   * sent again: the contact created since `startedAt` (epoch ms, when that create was sent), TAKEN when the one found
   * is older, or the outcome-unknown error thrown again when nothing is found (yet). For a retry with the same
   * idempotency key.
   */
  recoverCreate(draft: ContactDraft, startedAt: number): Promise<WriteResult<Contact>>;
  updateContact(sourceId: string, changes: ContactChanges): Promise<WriteResult<Contact>>;
  /** Intercom archives (or deletes with `permanently`); Backside soft-deletes. Answers the removed record's source id. */
  deleteContact(sourceId: string, options: { permanently: boolean }): Promise<WriteResult<string>>;
  /** By tag name; the tag is created in the source when missing. */
  tagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>>;
  /** By tag name; a tag the contact does not have (or that does not exist) is not an error. */
  untagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>>;
  addChannel(sourceId: string, channel: ChannelDraft): Promise<WriteResult<Contact>>;
  addAddress(sourceId: string, address: AddressDraft): Promise<WriteResult<Contact>>;
  /** Intercom only (needs its admin id: REQUIRED when not configured); Backside answers UNSUPPORTED_BY_SOURCE. */
  addNote(sourceId: string, body: string): Promise<WriteResult<{ note: Note; contact: Contact }>>;
  /** `companySourceId`: an Intercom company id, or a Backside organization contact id. `title`: Backside only. */
  attachCompany(sourceId: string, companySourceId: string, title?: string | undefined): Promise<WriteResult<Contact>>;
  detachCompany(sourceId: string, companySourceId: string): Promise<WriteResult<Contact>>;
  /** Intercom only: a lead merged into a user; answers the user. Backside: UNSUPPORTED_BY_SOURCE. */
  mergeContacts(fromSourceId: string, intoSourceId: string): Promise<WriteResult<Contact>>;
}
