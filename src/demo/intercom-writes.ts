// Intercom's write endpoints for the fake (intercom.md "Writes", OpenAPI 2.16): create, update, delete, archive,
// merge, tags, notes and companies, with the spec's answer shapes and error lists. State lives in the seed the fake
// was started with, so a restart (a new seed) forgets every write.
//
// Choices where the spec leaves room (each pinned by test/fakes-writes.test.ts):
// - 409 `conflict` "A contact matching those details already exists with id=<id>": an external_id held by any
//   contact, or an email held by another user when the new or updated contact is a user (leads may share emails).
// - Merge follows the spec: `from` a lead, `into` a user, duplicates (same email or phone) unless
//   skip_duplicate_validation; `from` disappears and answers 410 with a canonical Link; its tags, companies and notes
//   move to `into`, which keeps its own details and gains those it lacked.
// - Untag and detach answer the tag or company even when it was not attached (a retried call succeeds); unknown tag
//   ids answer 404 `not_found` "Resource Not Found", unknown companies 404 `company_not_found`.
// - Notes need a known `admin_id` (seed `admins`; unknown: 404 "Resource Not Found" as the spec's example); plain text
//   is wrapped in `<p>`. Every write to a contact moves its `updated_at` forward.
import { randomBytes } from 'node:crypto';
import type { IntercomCompany, IntercomContact, IntercomNote, IntercomTag } from '../upstream/intercom/types.js';
import { isObject } from '../upstream/shape.js';
import type { FakeAnswer, FakeRequest, Route } from './http.js';
import type { Seed } from './seed.js';

/** Runtime switches of the Intercom fake's writes (see `IntercomControl`). */
export interface IntercomWriteSettings {
  /** How long a created contact stays invisible to search (eventual consistency); 0 (default) sees it at once. */
  searchLagMs: number;
}

/** What the write handlers need from the server: the live store and its error format. */
export interface IntercomStore {
  data: Seed['intercom'];
  byId: Map<string, IntercomContact>;
  tags: Map<string, IntercomTag>;
  companies: Map<string, IntercomCompany>;
  /** When (epoch ms) a created contact becomes searchable; seeded contacts are not in it. */
  searchableAt: Map<string, number>;
  /** Intercom's error list with a fresh request id. */
  error(status: number, code: string, message: string): FakeAnswer;
  settings: IntercomWriteSettings;
}

const ROLES = ['user', 'lead'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A rejected body: answered 400 with this code (the spec's examples use `parameter_invalid`). */
class Invalid extends Error {
  constructor(
    message: string,
    readonly code = 'parameter_invalid',
  ) {
    super(message);
  }
}

const unixNow = () => Math.floor(Date.now() / 1000);
/** An update always moves `updated_at` forward, even twice within a second. */
const bump = (contact: IntercomContact) => {
  contact.updated_at = Math.max(unixNow(), contact.updated_at + 1);
};
const emailKey = (value: string) => value.trim().toLowerCase();
const phoneKey = (value: string) => value.replace(/\D/g, '');

function objectBody(request: FakeRequest): Record<string, unknown> {
  if (request.bodyInvalid) throw new Invalid('The request body is not valid JSON');
  if (request.body === undefined) return {};
  if (!isObject(request.body)) throw new Invalid('The request body must be a JSON object');
  return request.body;
}

/** A string field (null when `nullable`); undefined when absent. */
function text(body: Record<string, unknown>, field: string, nullable = true): string | null | undefined {
  const value = body[field];
  if (value === undefined || (value === null && nullable) || typeof value === 'string') return value as string | null;
  throw new Invalid(`${field} must be a string${nullable ? ' or null' : ''}`);
}

/** Ids come as strings or, in the spec's own examples, numbers. */
function id(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function timestamp(body: Record<string, unknown>, field: string): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new Invalid(`${field} must be a unix timestamp`);
}

/** Plain text becomes a paragraph (as Intercom answers `Hello` with `<p>Hello</p>`); HTML is kept. */
function noteHtml(body: string): string {
  if (body.trimStart().startsWith('<')) return body;
  const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<p>${escaped}</p>`;
}

/** Rebuilds a contact's inline reference lists (at most 10 items each) from the relation tables. */
export function refreshRefs(contact: IntercomContact, data: Seed['intercom']): void {
  const refList = (type: string, ids: string[], plural: string) => ({
    type: 'list',
    data: ids.slice(0, 10).map((ref) => ({ type, id: ref, url: `/${plural}/${ref}` })),
    url: `/contacts/${contact.id}/${plural}`,
    total_count: ids.length,
    has_more: ids.length > 10,
  });
  contact.tags = refList('tag', data.contactTags[contact.id] ?? [], 'tags');
  contact.companies = refList('company', data.contactCompanies[contact.id] ?? [], 'companies');
  const notes = data.notes.filter((note) => note.contact?.id === contact.id).map((note) => note.id);
  contact.notes = refList('note', notes, 'notes');
}

/** The contact reference the delete, archive and unarchive answers carry. */
const reference = (contact: IntercomContact) => ({
  type: 'contact',
  id: contact.id,
  external_id: contact.external_id ?? null,
});

/**
 * The write routes. Unknown, archived (except for unarchive and delete) and merged-away contacts answer 404
 * `not_found` "User Not Found" as the spec's examples do.
 */
export function intercomWriteRoutes(store: IntercomStore): Route[] {
  const { data, byId, error } = store;
  const archived = () => new Set(data.archived);

  function guarded(run: () => FakeAnswer): FakeAnswer {
    try {
      return run();
    } catch (failure) {
      if (failure instanceof Invalid) return error(400, failure.code, failure.message);
      throw failure;
    }
  }

  /** A live (not archived) contact, or Intercom's 404. */
  const live =
    (handle: (request: FakeRequest, contact: IntercomContact, params: string[]) => FakeAnswer, archivedToo = false) =>
    (request: FakeRequest, params: string[]): FakeAnswer => {
      const contact = byId.get(params[0] ?? '');
      if (!contact || (!archivedToo && archived().has(contact.id))) return error(404, 'not_found', 'User Not Found');
      return guarded(() => handle(request, contact, params));
    };

  /** The other contact already holding a unique field: external_id always, email among users. */
  function taken(fields: { role: string; email?: string | null; external_id?: string | null }, except?: string) {
    for (const other of data.contacts) {
      if (other.id === except) continue;
      if (fields.external_id && other.external_id === fields.external_id) return other;
      if (
        fields.role === 'user' &&
        other.role === 'user' &&
        fields.email &&
        other.email &&
        emailKey(other.email) === emailKey(fields.email)
      )
        return other;
    }
    return undefined;
  }
  const conflict = (other: IntercomContact) =>
    error(409, 'conflict', `A contact matching those details already exists with id=${other.id}`);

  /** The writable fields of a create or update body; only those present. */
  function contactFields(body: Record<string, unknown>): Partial<IntercomContact> {
    const fields: Partial<IntercomContact> = {};
    if (body.role !== undefined) {
      if (typeof body.role !== 'string' || !ROLES.includes(body.role))
        throw new Invalid(`role must be one of ${ROLES.join(', ')}`);
      fields.role = body.role;
    }
    for (const field of ['external_id', 'email', 'phone', 'name', 'avatar', 'owner_id', 'language_override']) {
      const value = text(body, field);
      if (value !== undefined) fields[field] = value;
    }
    if (typeof fields.email === 'string') {
      fields.email = fields.email.trim();
      if (!EMAIL.test(fields.email)) throw new Invalid('email is invalid');
      fields.email_domain = fields.email.split('@')[1]?.toLowerCase() ?? '';
    } else if (fields.email === null) fields.email_domain = '';
    if (typeof fields.phone === 'string' && phoneKey(fields.phone).length < 3) throw new Invalid('phone is invalid');
    for (const field of ['signed_up_at', 'last_seen_at']) {
      const value = timestamp(body, field);
      if (value !== undefined) fields[field] = value;
    }
    const unsubscribed = body.unsubscribed_from_emails;
    if (unsubscribed !== undefined) {
      if (unsubscribed !== null && typeof unsubscribed !== 'boolean')
        throw new Invalid('unsubscribed_from_emails must be a boolean');
      fields.unsubscribed_from_emails = unsubscribed ?? false;
    }
    if (body.custom_attributes !== undefined && body.custom_attributes !== null) {
      if (!isObject(body.custom_attributes)) throw new Invalid('custom_attributes must be an object');
      for (const [key, value] of Object.entries(body.custom_attributes))
        if (isObject(value) || Array.isArray(value))
          throw new Invalid(`custom_attributes.${key} must be a string, number, boolean or null`);
    }
    return fields;
  }

  /** Sets custom attributes; a key set to null is removed. */
  function applyCustomAttributes(contact: IntercomContact, attributes: unknown): void {
    if (!isObject(attributes)) return;
    const merged: Record<string, unknown> = { ...(contact.custom_attributes ?? {}) };
    for (const [key, value] of Object.entries(attributes)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    contact.custom_attributes = merged;
  }

  function newContactId(): string {
    let candidate: string;
    do candidate = randomBytes(12).toString('hex');
    while (byId.has(candidate) || candidate in data.merged);
    return candidate;
  }

  function create(request: FakeRequest): FakeAnswer {
    return guarded(() => {
      const body = objectBody(request);
      const fields = contactFields(body);
      if (!fields.email && !fields.external_id && body.role === undefined)
        throw new Invalid('email, external_id or role is required');
      const role = fields.role ?? 'user';
      const other = taken({ role, email: fields.email, external_id: fields.external_id });
      if (other) return conflict(other);
      const at = unixNow();
      const contact: IntercomContact = {
        type: 'contact',
        id: newContactId(),
        workspace_id: 'demo1234',
        external_id: null,
        role,
        email: null,
        email_domain: '',
        phone: null,
        name: null,
        owner_id: null,
        avatar: null,
        has_hard_bounced: false,
        marked_email_as_spam: false,
        unsubscribed_from_emails: false,
        created_at: at,
        updated_at: at,
        signed_up_at: role === 'user' ? at : null,
        last_seen_at: null,
        last_replied_at: null,
        last_contacted_at: null,
        last_email_opened_at: null,
        last_email_clicked_at: null,
        language_override: null,
        browser: null,
        browser_version: null,
        browser_language: null,
        os: null,
        location: { type: 'location', country: null, region: null, city: null },
        social_profiles: { type: 'list', data: [] },
        custom_attributes: {},
        ...fields,
      };
      applyCustomAttributes(contact, body.custom_attributes);
      data.contacts.push(contact);
      byId.set(contact.id, contact);
      data.contactTags[contact.id] = [];
      data.contactCompanies[contact.id] = [];
      refreshRefs(contact, data);
      store.searchableAt.set(contact.id, Date.now() + store.settings.searchLagMs);
      return { status: 200, body: contact };
    });
  }

  function update(request: FakeRequest, contact: IntercomContact): FakeAnswer {
    const body = objectBody(request);
    const fields = contactFields(body);
    const role = fields.role ?? contact.role;
    const email = fields.email === undefined ? contact.email : fields.email;
    // Only a change can collide: a contact may keep its own details.
    const changed = {
      role,
      email: fields.email !== undefined || fields.role !== undefined ? email : undefined,
      external_id: fields.external_id,
    };
    const other = taken(changed, contact.id);
    if (other) return conflict(other);
    Object.assign(contact, fields);
    applyCustomAttributes(contact, body.custom_attributes);
    bump(contact);
    return { status: 200, body: contact };
  }

  function remove(contact: IntercomContact): FakeAnswer {
    data.contacts.splice(data.contacts.indexOf(contact), 1);
    byId.delete(contact.id);
    data.archived = data.archived.filter((archivedId) => archivedId !== contact.id);
    delete data.contactTags[contact.id];
    delete data.contactCompanies[contact.id];
    store.searchableAt.delete(contact.id);
    return { status: 200, body: { ...reference(contact), deleted: true } };
  }

  function merge(request: FakeRequest): FakeAnswer {
    return guarded(() => {
      const body = objectBody(request);
      const fromId = id(body, 'from');
      const intoId = id(body, 'into');
      if (fromId === undefined || intoId === undefined) throw new Invalid('from and into are required');
      const isArchived = archived();
      const from = byId.get(fromId);
      const into = byId.get(intoId);
      if (!from || !into || isArchived.has(fromId) || isArchived.has(intoId))
        return error(404, 'not_found', 'User Not Found');
      if (from.id === into.id) throw new Invalid('A contact cannot be merged into itself', 'invalid_merge');
      if (from.role !== 'lead') throw new Invalid('from must be a lead', 'invalid_merge');
      if (into.role !== 'user') throw new Invalid('into must be a user', 'invalid_merge');
      const sameEmail = !!from.email && !!into.email && emailKey(from.email) === emailKey(into.email);
      const samePhone = !!from.phone && !!into.phone && phoneKey(from.phone) === phoneKey(into.phone);
      if (!sameEmail && !samePhone && body.skip_duplicate_validation !== true)
        throw new Invalid(
          'Contacts can only be merged when they are duplicates (matching email or phone). Pass skip_duplicate_validation=true to override this check.',
          'invalid_merge',
        );
      // The user keeps its own details and gains what only the lead had.
      for (const field of ['email', 'phone', 'name', 'external_id', 'avatar'] as const)
        if ((into[field] === null || into[field] === undefined) && from[field] !== null && from[field] !== undefined)
          (into as Record<string, unknown>)[field] = from[field];
      if (into.email) into.email_domain = into.email.split('@')[1]?.trim().toLowerCase() ?? '';
      into.custom_attributes = { ...(from.custom_attributes ?? {}), ...(into.custom_attributes ?? {}) };
      data.contactTags[into.id] = [
        ...new Set([...(data.contactTags[into.id] ?? []), ...(data.contactTags[from.id] ?? [])]),
      ];
      data.contactCompanies[into.id] = [
        ...new Set([...(data.contactCompanies[into.id] ?? []), ...(data.contactCompanies[from.id] ?? [])]),
      ];
      for (const note of data.notes) if (note.contact?.id === from.id) note.contact = { type: 'contact', id: into.id };
      remove(from);
      // The old id answers 410 pointing at the survivor; earlier merges into `from` now point there too.
      for (const [merged, canonical] of Object.entries(data.merged))
        if (canonical === from.id) data.merged[merged] = into.id;
      data.merged[from.id] = into.id;
      refreshRefs(into, data);
      bump(into);
      return { status: 200, body: into };
    });
  }

  function createTag(request: FakeRequest): FakeAnswer {
    return guarded(() => {
      const body = objectBody(request);
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      if (name === '') throw new Invalid('invalid tag parameters');
      const tagId = id(body, 'id');
      if (tagId !== undefined) {
        // With an id: rename that tag.
        const tag = store.tags.get(tagId);
        if (!tag) return error(404, 'not_found', 'Resource Not Found');
        tag.name = name;
        return { status: 200, body: { type: 'tag', id: tag.id, name: tag.name } };
      }
      // Names are case insensitive: an existing tag is found, not duplicated.
      let tag = data.tags.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
      if (!tag) {
        const next = Math.max(99, ...data.tags.map((candidate) => Number(candidate.id) || 0)) + 1;
        tag = { type: 'tag', id: String(next), name, applied_at: unixNow() };
        data.tags.push(tag);
        store.tags.set(tag.id, tag);
      }
      return { status: 200, body: { type: 'tag', id: tag.id, name: tag.name } };
    });
  }

  /** A tag as the tag/untag answers show it. */
  const appliedTag = (tag: IntercomTag) => ({ type: 'tag', id: tag.id, name: tag.name, applied_at: unixNow() });

  return [
    ['POST', /^\/contacts$/, (request) => create(request)],
    ['POST', /^\/contacts\/merge$/, (request) => merge(request)],
    ['PUT', /^\/contacts\/([^/]+)$/, live((request, contact) => update(request, contact))],
    ['DELETE', /^\/contacts\/([^/]+)$/, live((_request, contact) => remove(contact), true)],
    [
      'POST',
      /^\/contacts\/([^/]+)\/archive$/,
      live((_request, contact) => {
        if (!data.archived.includes(contact.id)) data.archived.push(contact.id);
        return { status: 200, body: { ...reference(contact), archived: true } };
      }, true),
    ],
    [
      'POST',
      /^\/contacts\/([^/]+)\/unarchive$/,
      live((_request, contact) => {
        data.archived = data.archived.filter((archivedId) => archivedId !== contact.id);
        return { status: 200, body: { ...reference(contact), archived: false } };
      }, true),
    ],
    ['POST', /^\/tags$/, (request) => createTag(request)],
    [
      'POST',
      /^\/contacts\/([^/]+)\/tags$/,
      live((request, contact) => {
        const tagId = id(objectBody(request), 'id');
        if (tagId === undefined) throw new Invalid('id is required');
        const tag = store.tags.get(tagId);
        if (!tag) return error(404, 'not_found', 'Resource Not Found');
        const tags = data.contactTags[contact.id] ?? [];
        if (!tags.includes(tag.id)) data.contactTags[contact.id] = [...tags, tag.id];
        refreshRefs(contact, data);
        bump(contact);
        return { status: 200, body: appliedTag(tag) };
      }),
    ],
    [
      'DELETE',
      /^\/contacts\/([^/]+)\/tags\/([^/]+)$/,
      live((_request, contact, [, tagId = '']) => {
        const tag = store.tags.get(tagId);
        if (!tag) return error(404, 'not_found', 'Resource Not Found');
        // Untagging a contact that lacks the tag answers the tag too, so a retried untag succeeds.
        data.contactTags[contact.id] = (data.contactTags[contact.id] ?? []).filter((t) => t !== tag.id);
        refreshRefs(contact, data);
        bump(contact);
        return { status: 200, body: appliedTag(tag) };
      }),
    ],
    [
      'POST',
      /^\/contacts\/([^/]+)\/notes$/,
      live((request, contact) => {
        const body = objectBody(request);
        if (typeof body.body !== 'string' || body.body.trim() === '') throw new Invalid('body is required');
        const adminId = id(body, 'admin_id');
        if (adminId === undefined) throw new Invalid('admin_id is required');
        const admin = data.admins.find((candidate) => candidate.id === adminId);
        if (!admin) return error(404, 'not_found', 'Resource Not Found');
        const next = Math.max(19_999_999, ...data.notes.map((note) => Number(note.id) || 0)) + 1;
        const note: IntercomNote = {
          type: 'note',
          id: String(next),
          created_at: unixNow(),
          contact: { type: 'contact', id: contact.id },
          author: { ...admin },
          body: noteHtml(body.body),
        };
        data.notes.push(note);
        refreshRefs(contact, data);
        bump(contact);
        return { status: 200, body: note };
      }),
    ],
    [
      'POST',
      /^\/contacts\/([^/]+)\/companies$/,
      live((request, contact) => {
        const companyId = id(objectBody(request), 'id');
        if (companyId === undefined) throw new Invalid('company not specified', 'parameter_not_found');
        const company = store.companies.get(companyId);
        if (!company) return error(404, 'company_not_found', 'Company Not Found');
        const companies = data.contactCompanies[contact.id] ?? [];
        if (!companies.includes(company.id)) data.contactCompanies[contact.id] = [...companies, company.id];
        refreshRefs(contact, data);
        bump(contact);
        return { status: 200, body: company };
      }),
    ],
    [
      'DELETE',
      /^\/contacts\/([^/]+)\/companies\/([^/]+)$/,
      live((_request, contact, [, companyId = '']) => {
        const company = store.companies.get(companyId);
        if (!company) return error(404, 'company_not_found', 'Company Not Found');
        // Detaching a company the contact is not attached to answers the company too (a retried detach succeeds).
        data.contactCompanies[contact.id] = (data.contactCompanies[contact.id] ?? []).filter((c) => c !== company.id);
        refreshRefs(contact, data);
        bump(contact);
        return { status: 200, body: company };
      }),
    ],
  ];
}
