// Backside's writes (backside.md, "Writes"), in the unified model: see SourceWriter (src/upstream/writer.ts).
//
// - Creates (`POST /api/v1/contacts`) carry a fresh Idempotency-Key and are never sent twice. The contact's email and
//   phone go inline (see to-upstream.ts); a channel the create ignored is added after (`POST …/channels`), and should
//   Backside refuse it, the new contact is soft-deleted again so that a refused mutation changed nothing.
// - A lost create answer is resolved by looking the contact up: by external id (`GET /api/v1/contacts?q=` with an
//   exact `vcard_uid` match), then by email (`find-by-channel`). A record created since the attempt began (within
//   CLOCK_SKEW_MS) is ours; an older one holding the email means the create was refused (TAKEN); none: the outcome
//   is unknown (thrown, see lost-answer.ts).
// - Not offered by Backside, answered UNSUPPORTED_BY_SOURCE without a call: roles, notes, merges, deleting for good,
//   and clearing the email or phone through an update (they are channels).
// - Every write drops what the connector holds of the contact (forget) and answers it read again, unless the write
//   answered the full record.

import { GatewayError } from '../../errors.js';
import type { Contact } from '../../model.js';
import { timestamp } from '../../values.js';
import { isOutcomeUnknown, OutcomeUnknownError } from '../http/failure.js';
import { createdByAttempt, createOutcomeUnknown } from '../lost-answer.js';
import { badShape } from '../shape.js';
import { notFound, ok, refused, taken, unsupported } from '../user-errors.js';
import type { Written } from '../write-answer.js';
import type {
  AddressDraft,
  ChannelDraft,
  ContactChanges,
  ContactDraft,
  SourceUserError,
  SourceWriter,
  WriteResult,
} from '../writer.js';
import type { BacksideClient } from './client.js';
import type { BacksideConnector } from './connector.js';
import { type BacksideWriteContext, backsideRefusal } from './refusal.js';
import {
  draftChannels,
  toBacksideAddress,
  toBacksideAffiliation,
  toBacksideChannel,
  toBacksideContact,
  toBacksidePatch,
} from './to-upstream.js';
import type { BacksideContact } from './types.js';

export interface BacksideWriterOptions {
  /** The clock, epoch ms (tests). Default Date.now. */
  now?: (() => number) | undefined;
}

const CONTACT: BacksideWriteContext = { what: 'contact', recordField: 'id', assumed: false };
const UPDATE: BacksideWriteContext = { what: 'contact', recordField: 'id', assumed: true };

/** Backside's SourceWriter: made per request with that request's client and connector (same credential, deadline). */
export class BacksideWriter implements SourceWriter {
  readonly source = 'BACKSIDE' as const;
  readonly #now: () => number;

  constructor(
    private readonly client: BacksideClient,
    private readonly connector: BacksideConnector,
    options: BacksideWriterOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  async createContact(draft: ContactDraft): Promise<WriteResult<Contact>> {
    if (draft.role) return refused(unsupported('BACKSIDE', 'contact roles', 'role'));
    const started = this.#now();
    let answer: Written<BacksideContact>;
    try {
      answer = await this.client.createContact(toBacksideContact(draft));
    } catch (error) {
      if (isOutcomeUnknown(error)) return this.#recover(draft, started, error);
      throw error;
    }
    if (!answer.ok) return refused(backsideRefusal(answer.status, answer.body, CONTACT));
    // A create that answers no body: nothing says which contact it made.
    if (!answer.value) throw badShape('BACKSIDE', 'POST /api/v1/contacts: no contact in the answer');
    const { id } = answer.value;
    // Its answer serves as the record when it is the full one (prime); else it is read.
    this.connector.prime(answer.value);
    const contact = await this.#read(id, 'id', false);
    if (!contact.ok) return contact;
    // A Backside that ignores inline channels (A) created the contact without them: add them (D).
    const missing = await this.#missingChannels(contact.value, draft);
    for (const channel of missing) {
      const added = await this.client.addChannel(id, channel);
      if (!added.ok) {
        // Undo, so that a refused mutation changed nothing; the refusal is the answer either way.
        await this.client.deleteContact(id).catch(() => {});
        this.connector.forget(id);
        return refused(backsideRefusal(added.status, added.body, { ...CONTACT, what: 'channel' }));
      }
    }
    return missing.length > 0 ? this.#read(id, 'id') : contact;
  }

  recoverCreate(draft: ContactDraft, startedAt: number): Promise<WriteResult<Contact>> {
    const earlier = GatewayError.upstream(
      'UPSTREAM_UNAVAILABLE',
      'BACKSIDE',
      'POST /api/v1/contacts: an earlier answer was lost',
    );
    return this.#recover(draft, startedAt, new OutcomeUnknownError(earlier));
  }

  async updateContact(sourceId: string, changes: ContactChanges): Promise<WriteResult<Contact>> {
    const errors: SourceUserError[] = [];
    if (changes.role !== undefined) errors.push(unsupported('BACKSIDE', 'contact roles', 'role'));
    // Email and phone are channels: a null cannot say which to remove.
    if (changes.email === null) errors.push(unsupported('BACKSIDE', 'clearing the email of a contact', 'email'));
    if (changes.phone === null) errors.push(unsupported('BACKSIDE', 'clearing the phone of a contact', 'phone'));
    if (errors.length > 0) return refused(...errors);
    const current = await this.#read(sourceId, 'id');
    if (!current.ok) return current;
    const patch = toBacksidePatch(changes);
    if (patch) {
      const answer = await this.client.updateContact(sourceId, patch);
      if (!answer.ok) return refused(backsideRefusal(answer.status, answer.body, UPDATE));
    }
    const channels = await this.#missingChannels(current.value, {
      email: changes.email ?? undefined,
      phone: changes.phone ?? undefined,
    });
    for (const channel of channels) {
      const added = await this.client.addChannel(sourceId, channel);
      if (!added.ok) return refused(backsideRefusal(added.status, added.body, { ...CONTACT, what: 'channel' }));
    }
    return this.#read(sourceId, 'id');
  }

  async deleteContact(sourceId: string, options: { permanently: boolean }): Promise<WriteResult<string>> {
    if (options.permanently) return refused(unsupported('BACKSIDE', 'deleting a contact for good', 'permanently'));
    const answer = await this.client.deleteContact(sourceId);
    this.connector.forget(sourceId);
    return answer.ok ? ok(sourceId) : refused(backsideRefusal(answer.status, answer.body, UPDATE));
  }

  async tagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>> {
    const answer = await this.client.addTag(sourceId, tagName);
    if (!answer.ok) {
      return refused(
        backsideRefusal(answer.status, answer.body, { what: 'tag', recordField: 'contactId', assumed: true }),
      );
    }
    return this.#read(sourceId, 'contactId');
  }

  async untagContact(sourceId: string, tagName: string): Promise<WriteResult<Contact>> {
    const current = await this.#read(sourceId, 'contactId');
    if (!current.ok) return current;
    const wanted = tagName.trim().toLowerCase();
    const tags = (await this.connector.tags(current.value)).filter((tag) => tag.name.trim().toLowerCase() === wanted);
    // Not tagged so: nothing to do, and not an error.
    if (tags.length === 0) return current;
    for (const tag of tags) {
      const answer = await this.client.removeTag(sourceId, tag.sourceId);
      if (!answer.ok) {
        const error = backsideRefusal(answer.status, answer.body, {
          what: 'tag',
          recordField: 'contactId',
          assumed: true,
        });
        // The tag went meanwhile: the contact is as asked.
        if (error.code !== 'NOT_FOUND') return refused(error);
      }
    }
    return this.#read(sourceId, 'contactId');
  }

  async addChannel(sourceId: string, channel: ChannelDraft): Promise<WriteResult<Contact>> {
    const answer = await this.client.addChannel(sourceId, toBacksideChannel(channel));
    if (!answer.ok) {
      const error = backsideRefusal(answer.status, answer.body, {
        what: 'channel',
        recordField: 'contactId',
        assumed: false,
      });
      // Our input field for the value is `value`, not `email`/`phone` (Backside's message names the channel type).
      return refused(error.field === 'email' || error.field === 'phone' ? { ...error, field: 'value' } : error);
    }
    return this.#read(sourceId, 'contactId');
  }

  async addAddress(sourceId: string, address: AddressDraft): Promise<WriteResult<Contact>> {
    const answer = await this.client.addAddress(sourceId, toBacksideAddress(address));
    if (!answer.ok) {
      return refused(
        backsideRefusal(answer.status, answer.body, { what: 'address', recordField: 'contactId', assumed: false }),
      );
    }
    return this.#read(sourceId, 'contactId');
  }

  async addNote(): Promise<WriteResult<never>> {
    return refused(unsupported('BACKSIDE', 'notes'));
  }

  async attachCompany(sourceId: string, companySourceId: string, title?: string | undefined) {
    const answer = await this.client.addAffiliation(sourceId, toBacksideAffiliation(companySourceId, title));
    if (!answer.ok) return refused<Contact>(backsideRefusal(answer.status, answer.body, AFFILIATION));
    return this.#read(sourceId, 'contactId');
  }

  async detachCompany(sourceId: string, companySourceId: string): Promise<WriteResult<Contact>> {
    const current = await this.#read(sourceId, 'contactId');
    if (!current.ok) return current;
    const affiliations = await this.client.getAffiliations(sourceId);
    const linked = affiliations.filter((affiliation) => affiliation.organization_id === companySourceId);
    // Not attached: the contact is as asked.
    if (linked.length === 0) return current;
    for (const affiliation of linked) {
      const answer = await this.client.removeAffiliation(sourceId, affiliation.id);
      if (!answer.ok) {
        const error = backsideRefusal(answer.status, answer.body, AFFILIATION);
        if (error.code !== 'NOT_FOUND') return refused(error);
      }
    }
    return this.#read(sourceId, 'contactId');
  }

  async mergeContacts(): Promise<WriteResult<Contact>> {
    return refused(unsupported('BACKSIDE', 'merging contacts'));
  }

  /** The contact after a write, read again (the connector's entries for it dropped first, unless primed by the write's answer); NOT_FOUND when gone. */
  async #read(sourceId: string, field: string, forget = true): Promise<WriteResult<Contact>> {
    if (forget) this.connector.forget(sourceId);
    const contact = await this.connector.contact(sourceId);
    return contact ? ok(contact) : refused(notFound('BACKSIDE', 'contact', field));
  }

  /** The draft's email and phone channels the contact does not hold yet. */
  async #missingChannels(contact: Contact, draft: Pick<ContactDraft, 'email' | 'phone'>) {
    const wanted = draftChannels(draft);
    if (wanted.length === 0) return [];
    const held = new Set((await this.connector.channels(contact)).map((channel) => channel.canonicalValue));
    return wanted.filter((channel) => !held.has(channel.value));
  }

  /** A create whose answer was lost: look for it, never create again (see the file comment). */
  async #recover(draft: ContactDraft, started: number, cause: OutcomeUnknownError): Promise<WriteResult<Contact>> {
    let found: BacksideContact | null = null;
    try {
      if (draft.externalId) {
        const page = await this.client.listContacts({ q: draft.externalId, limit: 100 });
        found = page.data.find((raw) => raw.vcard_uid === draft.externalId) ?? null;
      }
      if (!found && draft.email) found = await this.client.findByChannel('email', draft.email);
    } catch {
      // The lookup failed too: the outcome stays unknown.
      throw createOutcomeUnknown('BACKSIDE', cause, 'Looking it up failed as well.');
    }
    if (!found) throw createOutcomeUnknown('BACKSIDE', cause);
    if (!createdByAttempt(timestamp(found.created_at)?.getTime() ?? null, started)) {
      // Older than our attempt: it held the value already, so Backside refused the create.
      const field = draft.externalId && found.vcard_uid === draft.externalId ? 'externalId' : 'email';
      return refused(taken('BACKSIDE', field, found.id));
    }
    return this.#read(found.id, 'id');
  }
}

const AFFILIATION: BacksideWriteContext = {
  what: 'affiliation',
  recordField: 'contactId',
  assumed: true,
  other: { word: 'organization', field: 'companyId', what: 'organization' },
};
