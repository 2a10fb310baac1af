// Intercom's writes (intercom.md "Writes"; intercom-openapi.yaml), in the unified model: see SourceWriter
// (src/upstream/writer.ts).
//
// Decisions:
// - Contacts are people: a create of another kind is UNSUPPORTED_BY_SOURCE (field `kind`). Name parts are joined into
//   Intercom's one `name`; what Intercom has no field for is not sent (see to-upstream.ts).
// - Channels: Intercom holds one email and one phone per contact, and social profiles are read-only in its API. So
//   addChannel EMAIL/PHONE sets the contact's email/phone (`PUT /contacts/{id}`) only when it has none (the same value
//   again is a no-op); a second, different one is UNSUPPORTED_BY_SOURCE (field `value`): replacing it silently would
//   lose data, and `updateContact` is the way to change it. SOCIAL, WEBSITE and OTHER are UNSUPPORTED_BY_SOURCE
//   (field `type`), as are postal addresses (Intercom's location is derived from activity, not written).
// - Tags by name: `POST /tags {name}` (creates or finds) then `POST /contacts/{id}/tags {id}`. Untag resolves the tag
//   id from the workspace's (briefly cached) tag list; a tag that does not exist, or that the contact does not carry,
//   is success with the contact unchanged.
// - Delete archives (`POST /contacts/{id}/archive`) unless `permanently` (`DELETE /contacts/{id}`).
// - Notes need the admin who writes them (options.adminId, INTERCOM_ADMIN_ID): without it addNote answers REQUIRED
//   (no field: the caller cannot supply it) and calls nothing.
// - Merge reads both contacts first (one batched read): a missing one is NOT_FOUND, a `from` that is not a lead or an
//   `into` that is not a user is INVALID, before Intercom is asked; Intercom's own refusal (invalid_merge) is INVALID
//   on `fromId` too.
// - A lost create answer is resolved by reading the user by external id (`GET /contacts/find_by_external_id/{id}`,
//   which does not lag), else by `POST /contacts/search` on external_id or email; search lags behind writes,
//   so finding nothing leaves the outcome unknown (thrown, see lost-answer.ts). A lost note or merge is thrown as
//   unknown at once. Nothing is ever sent twice.

import { GatewayError } from '../../errors.js';
import type { Contact, Note } from '../../model.js';
import { unixSeconds } from '../../values.js';
import { isOutcomeUnknown, OutcomeUnknownError } from '../http/failure.js';
import { createdByAttempt, createOutcomeUnknown, writeOutcomeUnknown } from '../lost-answer.js';
import { badShape } from '../shape.js';
import { invalid, notFound, ok, refused, taken, unsupported, userError } from '../user-errors.js';
import type { Written } from '../write-answer.js';
import type { AddressDraft, ChannelDraft, ContactChanges, ContactDraft, SourceWriter, WriteResult } from '../writer.js';
import type { IntercomClient } from './client.js';
import type { IntercomConnector } from './connector.js';
import { mapNote } from './mappers.js';
import { type IntercomWriteContext, intercomRefusal } from './refusal.js';
import { toIntercomContact, toIntercomPatch } from './to-upstream.js';
import type { IntercomContact, IntercomSearchRequest } from './types.js';

export interface IntercomWriterOptions {
  /** The Intercom admin who authors notes (INTERCOM_ADMIN_ID); without it addNote answers REQUIRED. */
  adminId?: string | undefined;
  /** The clock, epoch ms (tests). Default Date.now. */
  now?: (() => number) | undefined;
}

const ON_CONTACT: IntercomWriteContext = { what: 'contact', recordField: 'id' };
const ON_CHILD: IntercomWriteContext = { what: 'contact', recordField: 'contactId' };

/** Intercom's SourceWriter: made per request with that request's client and connector (same credential, deadline). */
export class IntercomWriter implements SourceWriter {
  readonly source = 'INTERCOM' as const;
  readonly #adminId: string | undefined;
  readonly #now: () => number;

  constructor(
    private readonly client: IntercomClient,
    private readonly connector: IntercomConnector,
    options: IntercomWriterOptions = {},
  ) {
    this.#adminId = options.adminId?.trim() || undefined;
    this.#now = options.now ?? Date.now;
  }

  async createContact(draft: ContactDraft): Promise<WriteResult<Contact>> {
    if (draft.kind && draft.kind !== 'PERSON') {
      return refused(unsupported('INTERCOM', `contacts of kind ${draft.kind}`, 'kind'));
    }
    const started = this.#now();
    let answer: Written<IntercomContact>;
    try {
      answer = await this.client.createContact(toIntercomContact(draft));
    } catch (error) {
      if (isOutcomeUnknown(error)) return this.#recover(draft, started, error);
      throw error;
    }
    if (!answer.ok) return refused(intercomRefusal(answer.status, answer.body, ON_CONTACT));
    return this.#answered(answer.value, 'id');
  }

  recoverCreate(draft: ContactDraft, startedAt: number): Promise<WriteResult<Contact>> {
    const earlier = GatewayError.upstream(
      'UPSTREAM_UNAVAILABLE',
      'INTERCOM',
      'POST /contacts: an earlier answer was lost',
    );
    return this.#recover(draft, startedAt, new OutcomeUnknownError(earlier));
  }

  async updateContact(sourceId: string, changes: ContactChanges): Promise<WriteResult<Contact>> {
    const patch = toIntercomPatch(changes);
    if (!patch) return this.#read(sourceId, 'id');
    const answer = await this.client.updateContact(sourceId, patch);
    if (!answer.ok) return refused(intercomRefusal(answer.status, answer.body, ON_CONTACT));
    return this.#answered(answer.value, 'id');
  }

  async deleteContact(sourceId: string, options: { permanently: boolean }): Promise<WriteResult<string>> {
    const answer = options.permanently
      ? await this.client.deleteContact(sourceId)
      : await this.client.archiveContact(sourceId);
    this.connector.forget(sourceId);
    return answer.ok ? ok(sourceId) : refused(intercomRefusal(answer.status, answer.body, ON_CONTACT));
  }

  async tagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>> {
    // The contact first: `POST /tags` creates a missing tag, and a refused mutation must change nothing.
    if (!(await this.connector.contact(sourceId))) return refused(notFound('INTERCOM', 'contact', 'contactId'));
    const tag = await this.client.createTag(tagName);
    if (!tag.ok) {
      const error = intercomRefusal(tag.status, tag.body, { what: 'tag', recordField: 'contactId' });
      return refused(error.code === 'INVALID' ? invalid('INTERCOM', 'tag', 'tagName') : error);
    }
    if (!tag.value) throw badShape('INTERCOM', 'POST /tags: no tag in the answer');
    const answer = await this.client.tagContact(sourceId, tag.value.id);
    if (!answer.ok) return refused(intercomRefusal(answer.status, answer.body, ON_CHILD));
    return this.#read(sourceId, 'contactId');
  }

  async untagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>> {
    const tagId = await this.connector.tagIdByName(tagName);
    if (tagId !== undefined) {
      const answer = await this.client.untagContact(sourceId, tagId);
      if (!answer.ok) {
        const error = intercomRefusal(answer.status, answer.body, { ...ON_CHILD, other: { what: 'tag' } });
        // Not on the contact (or gone meanwhile): the contact is as asked.
        if (!(error.code === 'NOT_FOUND' && error.field === undefined)) return refused(error);
      }
    }
    return this.#read(sourceId, 'contactId');
  }

  async addChannel(sourceId: string, channel: ChannelDraft): Promise<WriteResult<Contact>> {
    if (channel.type !== 'EMAIL' && channel.type !== 'PHONE') {
      return refused(unsupported('INTERCOM', 'social, website or other channels through its API', 'type'));
    }
    const current = await this.#read(sourceId, 'contactId');
    if (!current.ok) return current;
    const held = channel.type === 'EMAIL' ? current.value.email : current.value.phone;
    if (held === channel.value) return current;
    if (held !== null) {
      const what = channel.type === 'EMAIL' ? 'a second email on a contact' : 'a second phone on a contact';
      return refused(unsupported('INTERCOM', what, 'value'));
    }
    const patch = channel.type === 'EMAIL' ? { email: channel.value } : { phone: channel.value };
    const answer = await this.client.updateContact(sourceId, patch);
    if (!answer.ok) {
      const error = intercomRefusal(answer.status, answer.body, ON_CHILD);
      // Our input field for the value is `value`, not `email`/`phone`.
      return refused(error.field === 'email' || error.field === 'phone' ? { ...error, field: 'value' } : error);
    }
    return this.#answered(answer.value, 'contactId');
  }

  async addAddress(_sourceId: string, _address: AddressDraft): Promise<WriteResult<Contact>> {
    return refused(unsupported('INTERCOM', 'postal addresses (its location comes from activity)'));
  }

  async addNote(sourceId: string, body: string): Promise<WriteResult<{ note: Note; contact: Contact }>> {
    if (!this.#adminId) {
      return refused(userError('REQUIRED', 'The gateway has no Intercom admin configured to write notes.'));
    }
    let answer: Awaited<ReturnType<IntercomClient['addNote']>>;
    try {
      answer = await this.client.addNote(sourceId, body, this.#adminId);
    } catch (error) {
      if (isOutcomeUnknown(error)) throw writeOutcomeUnknown('INTERCOM', 'note', error);
      throw error;
    }
    if (!answer.ok) {
      return refused(intercomRefusal(answer.status, answer.body, { ...ON_CHILD, other: { what: 'note author' } }));
    }
    if (!answer.value) throw badShape('INTERCOM', 'POST /contacts/{id}/notes: no note in the answer');
    const contact = await this.#read(sourceId, 'contactId');
    if (!contact.ok) return contact;
    return ok({ note: mapNote(answer.value, sourceId), contact: contact.value });
  }

  async attachCompany(sourceId: string, companySourceId: string): Promise<WriteResult<Contact>> {
    const answer = await this.client.attachCompany(sourceId, companySourceId);
    if (!answer.ok) return refused(intercomRefusal(answer.status, answer.body, ON_CHILD));
    return this.#read(sourceId, 'contactId');
  }

  async detachCompany(sourceId: string, companySourceId: string): Promise<WriteResult<Contact>> {
    const answer = await this.client.detachCompany(sourceId, companySourceId);
    if (!answer.ok) return refused(intercomRefusal(answer.status, answer.body, ON_CHILD));
    return this.#read(sourceId, 'contactId');
  }

  async mergeContacts(fromSourceId: string, intoSourceId: string): Promise<WriteResult<Contact>> {
    const [from, into] = await Promise.all([
      this.connector.contact(fromSourceId),
      this.connector.contact(intoSourceId),
    ]);
    const errors = [];
    if (!from) errors.push(notFound('INTERCOM', 'contact', 'fromId'));
    else if (from.role !== 'LEAD')
      errors.push(userError('INVALID', 'Intercom merges only a lead into a user.', 'fromId'));
    if (!into) errors.push(notFound('INTERCOM', 'contact', 'intoId'));
    else if (into.role !== 'USER') errors.push(userError('INVALID', 'Intercom merges only into a user.', 'intoId'));
    if (errors.length > 0) return refused(...errors);
    let answer: Written<IntercomContact>;
    try {
      answer = await this.client.mergeContacts(fromSourceId, intoSourceId);
    } catch (error) {
      if (isOutcomeUnknown(error)) throw writeOutcomeUnknown('INTERCOM', 'merge', error);
      throw error;
    }
    this.connector.forget(fromSourceId);
    if (!answer.ok) {
      const error = intercomRefusal(answer.status, answer.body, { what: 'merge', recordField: 'fromId' });
      return refused(error.code === 'INVALID' ? { ...error, field: 'fromId' } : error);
    }
    return this.#answered(answer.value, 'intoId', intoSourceId);
  }

  /** The write's answer when it is the contact (Intercom answers the whole record), else the contact read again. */
  async #answered(raw: IntercomContact | null, field: string, sourceId?: string): Promise<WriteResult<Contact>> {
    if (!raw) {
      if (sourceId === undefined) throw badShape('INTERCOM', 'write: no contact in the answer');
      return this.#read(sourceId, field);
    }
    this.connector.prime(raw);
    const contact = await this.connector.contact(raw.id);
    return contact ? ok(contact) : refused(notFound('INTERCOM', 'contact', field));
  }

  /** The contact read again (the connector's entries for it dropped first); NOT_FOUND when gone. */
  async #read(sourceId: string, field: string): Promise<WriteResult<Contact>> {
    this.connector.forget(sourceId);
    const contact = await this.connector.contact(sourceId);
    return contact ? ok(contact) : refused(notFound('INTERCOM', 'contact', field));
  }

  /**
   * A create whose answer was lost: look for it, never create again. A user with an external id is read directly by it
   * (no search lag: "read by what you have"); otherwise, or when that finds nothing, search by external id or email.
   */
  async #recover(draft: ContactDraft, started: number, cause: OutcomeUnknownError): Promise<WriteResult<Contact>> {
    if (draft.externalId && draft.role !== 'LEAD') {
      let direct: IntercomContact | null;
      try {
        direct = await this.client.findByExternalId(draft.externalId);
      } catch {
        throw createOutcomeUnknown('INTERCOM', cause, 'Looking it up failed as well.');
      }
      if (direct) return this.#ours(direct, draft, started);
    }
    const filters: IntercomSearchRequest['query'][] = [];
    if (draft.externalId) filters.push({ field: 'external_id', operator: '=', value: draft.externalId });
    if (draft.email) filters.push({ field: 'email', operator: '=', value: draft.email });
    const lag = 'Intercom’s search may not show a new contact yet.';
    if (filters.length === 0) throw createOutcomeUnknown('INTERCOM', cause);
    let found: IntercomContact[];
    try {
      const query =
        filters.length === 1
          ? (filters[0] as IntercomSearchRequest['query'])
          : { operator: 'OR' as const, value: filters };
      found = (await this.client.searchContacts({ query, pagination: { per_page: 10 } })).data;
    } catch {
      throw createOutcomeUnknown('INTERCOM', cause, 'Looking it up failed as well.');
    }
    // The external id first: it names one contact; then the email.
    const match =
      found.find((raw) => draft.externalId && raw.external_id === draft.externalId) ??
      found.find((raw) => draft.email && raw.email?.toLowerCase() === draft.email);
    if (!match) throw createOutcomeUnknown('INTERCOM', cause, lag);
    return this.#ours(match, draft, started);
  }

  /** A record found after a lost create: ours when created since the attempt began, else someone else's (TAKEN). */
  #ours(
    match: IntercomContact,
    draft: ContactDraft,
    started: number,
  ): Promise<WriteResult<Contact>> | WriteResult<Contact> {
    if (!createdByAttempt(unixSeconds(match.created_at)?.getTime() ?? null, started)) {
      const field = draft.externalId && match.external_id === draft.externalId ? 'externalId' : 'email';
      return refused(taken('INTERCOM', field, match.id));
    }
    return this.#answered(match, 'id');
  }
}
