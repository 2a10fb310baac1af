// Pure mappers from the unified write inputs (src/upstream/writer.ts) to Intercom's request bodies
// (intercom-openapi.yaml: create_contact_request, update_contact_request). No I/O.
//
// Decisions (what Intercom can hold):
// - Intercom keeps one free-form `name`: `name` when given, else given, middle and family names joined by spaces.
//   Nickname, prefix, suffix, language and timezone have no field in Intercom's create or update request: they are
//   not sent, and not refused (the contact's other fields are written; the contract lets a source drop what it has
//   no place for). A kind other than PERSON is refused (UNSUPPORTED_BY_SOURCE, field `kind`): see the writer.
// - An update that changes a name part but not `name` cannot rebuild the name (the other parts are not stored), so
//   it sends the parts given joined, as for a create; `name: null` clears it.
// - Role: USER → user (the default on create), LEAD → lead.
import type { ContactChanges, ContactDraft } from '../writer.js';
import type { IntercomContactBody, IntercomContactPatch } from './types.js';

/** One name from a draft: `name`, else the parts joined; undefined when none is set. */
export function intercomName(
  draft: Pick<ContactDraft, 'name' | 'givenName' | 'middleName' | 'familyName'>,
): string | undefined {
  if (draft.name) return draft.name;
  const joined = [draft.givenName, draft.middleName, draft.familyName].filter((part) => part).join(' ');
  return joined === '' ? undefined : joined;
}

/** `POST /contacts` body. `role` defaults to user, as Intercom's does. */
export function toIntercomContact(draft: ContactDraft): IntercomContactBody {
  const body: IntercomContactBody = { role: draft.role === 'LEAD' ? 'lead' : 'user' };
  const name = intercomName(draft);
  if (name !== undefined) body.name = name;
  if (draft.email) body.email = draft.email;
  if (draft.phone) body.phone = draft.phone;
  if (draft.externalId) body.external_id = draft.externalId;
  if (draft.avatarUrl) body.avatar = draft.avatarUrl;
  if (draft.customAttributes && Object.keys(draft.customAttributes).length > 0) {
    body.custom_attributes = draft.customAttributes;
  }
  return body;
}

/**
 * `PUT /contacts/{id}` body: a key absent is kept, null clears (`custom_attributes` keys set to null are removed by
 * Intercom). Null when nothing Intercom holds changes (no PUT needed).
 */
export function toIntercomPatch(changes: ContactChanges): IntercomContactPatch | null {
  const patch: IntercomContactPatch = {};
  if (changes.role !== undefined && changes.role !== null) patch.role = changes.role === 'LEAD' ? 'lead' : 'user';
  if (changes.name !== undefined) {
    patch.name = changes.name;
  } else {
    const parts = {
      givenName: changes.givenName ?? undefined,
      middleName: changes.middleName ?? undefined,
      familyName: changes.familyName ?? undefined,
    };
    const joined = intercomName(parts);
    if (joined !== undefined) patch.name = joined;
  }
  if (changes.email !== undefined) patch.email = changes.email;
  if (changes.phone !== undefined) patch.phone = changes.phone;
  if (changes.externalId !== undefined) patch.external_id = changes.externalId;
  if (changes.avatarUrl !== undefined) patch.avatar = changes.avatarUrl;
  if (changes.customAttributes !== undefined && changes.customAttributes !== null) {
    patch.custom_attributes = changes.customAttributes;
  }
  return Object.keys(patch).length > 0 ? patch : null;
}
