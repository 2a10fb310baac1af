// copyContact (shared/design/contract-writes.graphql): make sure the person behind a contact also exists in another
// source, without ever creating a duplicate of them there.
//
// What is copied: the contact's own fields (names, primary email and phone, external id, avatar, language, time
// zone), its tags (by name), and, into Backside, which holds them, its other email/phone/social/website channels and
// its postal addresses. Not copied: custom attributes into Intercom (an Intercom workspace refuses attributes it has
// not defined) and addresses into Intercom (its API has no address write); a Backside organization or group cannot be
// copied into Intercom, which holds people only (UNSUPPORTED_BY_SOURCE).
import { identityKeys } from '../identity.js';
import type { Contact, Source } from '../model.js';
import type { Sources } from '../sources.js';
import type { ContactDraft } from '../upstream/writer.js';
import { fromSource, refused, type UserError, type WriteOutcome } from './outcome.js';
import type { Writers } from './writers.js';

/** What copyContact answers: the target source's record, and whether this call created it. */
export interface CopyResult {
  contact: Contact;
  created: boolean;
}

/**
 * The target source's record of the same person: a record found by one of the contact's canonical keys that holds
 * that key itself (the rule `person` links by, src/identity.ts) and is not soft-deleted; null when none.
 */
async function samePerson(sources: Sources, contact: Contact, to: Source): Promise<Contact | null> {
  const keys = await identityKeys(sources, contact);
  const target = sources.get(to);
  for (const key of keys) {
    for (const found of await target.findByIdentity(key)) {
      // A soft-deleted record (Backside's deleted_at) is not the person any more: copying again makes a new one.
      if (found.deletedAt !== null) continue;
      const own = await identityKeys(sources, found);
      if (own.some((k) => k.kind === key.kind && k.value === key.value)) return found;
    }
  }
  return null;
}

/** The contact as a create in `to`, or why it cannot be one. */
function draftFor(contact: Contact, to: Source): ContactDraft | UserError {
  if (to === 'INTERCOM' && contact.kind !== 'PERSON') {
    return {
      field: ['input', 'to'],
      code: 'UNSUPPORTED_BY_SOURCE',
      message: 'Intercom holds people only: an organization or group cannot be copied into it.',
    };
  }
  const draft: ContactDraft = {};
  const set = <K extends keyof ContactDraft>(key: K, value: ContactDraft[K] | null) => {
    if (value !== null && value !== undefined && value !== '') draft[key] = value;
  };
  if (to === 'BACKSIDE') set('kind', contact.kind);
  // Intercom creates a user from an email or external id; without either, the person becomes a lead.
  if (to === 'INTERCOM') set('role', contact.role ?? (contact.email || contact.externalId ? 'USER' : 'LEAD'));
  set('name', contact.named ? contact.displayName : null);
  set('givenName', contact.givenName);
  set('familyName', contact.familyName);
  set('middleName', contact.middleName);
  set('nickname', contact.nickname);
  set('prefix', contact.prefix);
  set('suffix', contact.suffix);
  set('email', contact.email);
  set('phone', contact.phone?.startsWith('+') ? contact.phone : null);
  set('externalId', contact.externalId);
  set('avatarUrl', contact.avatarUrl);
  set('language', contact.language);
  set('timezone', contact.timezone);
  if (to === 'BACKSIDE' && Object.keys(contact.customAttributes).length > 0) {
    draft.customAttributes = contact.customAttributes;
  }
  return draft;
}

/**
 * Copies `sourceRef` into `to`: NOT_FOUND when the contact is not there to read; the target's record of the same
 * person when it has one (`created: false`, nothing written); else a create, then its tags, channels and addresses.
 * A failure after the create is thrown (the record exists: calling again finds it by email or phone and answers it
 * with `created: false`). Errors thrown: the sources' GatewayErrors.
 */
export async function copyContact(
  sources: Sources,
  writers: Writers,
  sourceRef: { source: Source; sourceId: string },
  to: Source,
): Promise<WriteOutcome<CopyResult>> {
  const contact = await sources.get(sourceRef.source).contact(sourceRef.sourceId);
  if (!contact) {
    return refused([{ field: ['input', 'id'], code: 'NOT_FOUND', message: 'No such contact in its source.' }]);
  }
  const existing = await samePerson(sources, contact, to);
  if (existing) return { value: { contact: existing, created: false }, userErrors: [] };
  const draft = draftFor(contact, to);
  if ('code' in draft) return refused([draft]);
  const writer = writers.get(to);
  const created = await writer.createContact(draft);
  // The target refused a value of the contact's (its email, its phone): the input at fault is the contact's id.
  if (!created.ok)
    return refused(fromSource(created.errors, to).map((error) => ({ ...error, field: ['input', 'id'] })));
  let copy = created.value;
  const origin = sources.of(contact);
  const [tags, channels, addresses] = await Promise.all([
    origin.tags(contact),
    to === 'BACKSIDE' ? origin.channels(contact) : [],
    to === 'BACKSIDE' ? origin.addresses(contact) : [],
  ]);
  // One at a time: each answers the record after its change, and the last one is the answer.
  const steps = [
    ...tags.map((tag) => () => writer.tagContact(copy.sourceId, tag.name)),
    ...channels
      .filter((channel) => channel.value !== contact.email && channel.canonicalValue !== contact.phone)
      .map(
        (channel) => () =>
          writer.addChannel(copy.sourceId, {
            type: channel.type,
            value: channel.canonicalValue ?? channel.value,
            label: channel.label ?? undefined,
            isPrimary: false,
          }),
      ),
    ...addresses.map(
      (address) => () =>
        writer.addAddress(copy.sourceId, {
          label: address.label,
          street: address.street,
          extended: address.extended,
          poBox: address.poBox,
          city: address.city,
          region: address.region,
          postalCode: address.postalCode,
          country: address.country,
          countryCode: address.countryCode ?? undefined,
          isPrimary: address.isPrimary,
        }),
    ),
  ];
  for (const step of steps) {
    const result = await step();
    // A value the target refuses (a channel it cannot hold) is left out of the copy rather than failing it.
    if (result.ok) copy = result.value;
  }
  return { value: { contact: copy, created: true }, userErrors: [] };
}
