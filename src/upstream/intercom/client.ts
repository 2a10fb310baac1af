import type { Requester } from '../http/requester.js';
import { distinctRecords, isPathSegment, pathSegment } from '../path.js';
import { badShape, isObject } from '../shape.js';
import { REFUSALS, type Written, written } from '../write-answer.js';
import type {
  IntercomCompany,
  IntercomContact,
  IntercomContactBody,
  IntercomContactCompanies,
  IntercomContactPatch,
  IntercomContactRemoved,
  IntercomList,
  IntercomNote,
  IntercomSearchRequest,
  IntercomTag,
} from './types.js';

/** The most `per_page` Intercom allows. */
export const INTERCOM_MAX_PAGE = 150;

/** How long one `GET /tags` answer serves, per credential. */
export const TAG_LIST_TTL_MS = 60_000;

export interface IntercomPage<T> {
  data: T[];
  /** `pages.next.starting_after`, null on the last page. */
  next: string | null;
  totalCount: number | null;
}

/** Intercom's REST endpoints (API 2.16), one method each, answering raw shapes. */
export class IntercomClient {
  constructor(private readonly http: Requester) {}

  /**
   * One contact; null when missing or archived. A contact merged into another answers 410 with a canonical Link:
   * follow it once, so callers get the surviving record. Any answer must be for the id asked (after a merge, for the
   * canonical id); another is UPSTREAM_BAD_RESPONSE, as is a canonical id that cannot be a path segment.
   */
  async getContact(id: string): Promise<IntercomContact | null> {
    const first = await this.http.request<unknown>(`/contacts/${pathSegment(id)}`, { allow: [404, 410] });
    if (first.status === 410) {
      const canonical = canonicalId(first.headers.get('link'));
      if (canonical === null || canonical === id) return null;
      if (!isPathSegment(canonical)) throw badShape('INTERCOM', 'contact: merged into an unusable canonical id');
      const second = await this.http.request<unknown>(`/contacts/${pathSegment(canonical)}`, { allow: [404, 410] });
      return second.body === null ? null : answerFor(canonical, second.body, contact, 'contact');
    }
    return first.body === null ? null : answerFor(id, first.body, contact, 'contact');
  }

  /** One page of every contact; `deadline` (epoch ms) is a list page's share of the request's budget. */
  async listContacts(
    perPage: number,
    startingAfter: string | null,
    deadline?: number | undefined,
  ): Promise<IntercomPage<IntercomContact>> {
    const { body } = await this.http.request<unknown>('/contacts', {
      searchParams: { per_page: perPage, starting_after: startingAfter ?? undefined },
      deadline,
    });
    return page(body, contact);
  }

  /**
   * The user with this external id, read directly (`GET /contacts/find_by_external_id/{external_id}`, spec operation
   * ShowContactByExternalId): unlike search it does not lag behind a create. Users only (a lead is never found); null
   * when none, or when it was merged away (410).
   */
  async findByExternalId(externalId: string): Promise<IntercomContact | null> {
    const { body } = await this.http.request<unknown>(
      `/contacts/find_by_external_id/${encodeURIComponent(externalId)}`,
      { allow: [404, 410] },
    );
    return body === null ? null : contact(body);
  }

  async searchContacts(
    request: IntercomSearchRequest,
    deadline?: number | undefined,
  ): Promise<IntercomPage<IntercomContact>> {
    const { body } = await this.http.request<unknown>('/contacts/search', {
      method: 'POST',
      json: request,
      idempotent: true,
      deadline,
    });
    return page(body, contact);
  }

  async contactTags(contactId: string): Promise<IntercomTag[]> {
    const { body } = await this.http.request<unknown>(`/contacts/${pathSegment(contactId)}/tags`, {
      allow: [404],
    });
    return body === null ? [] : page(body, tag).data;
  }

  async contactCompanies(contactId: string): Promise<IntercomCompany[]> {
    const { body } = await this.http.request<IntercomContactCompanies>(
      `/contacts/${pathSegment(contactId)}/companies`,
      { allow: [404] },
    );
    if (body === null) return [];
    // The schema names the array `companies`, the documented example `data`: accept both.
    const items = isObject(body) ? (body.data ?? body.companies) : undefined;
    if (!Array.isArray(items)) throw badShape('INTERCOM', 'contact companies: no array');
    return distinctRecords(items.map(company), (item) => item.id);
  }

  async contactNotes(contactId: string): Promise<IntercomNote[]> {
    const { body } = await this.http.request<unknown>(`/contacts/${pathSegment(contactId)}/notes`, {
      allow: [404],
    });
    return body === null ? [] : page(body, note).data;
  }

  async listTags(): Promise<IntercomTag[]> {
    // The workspace's tags change rarely: one list serves every request for a minute.
    const { body } = await this.http.request<unknown>('/tags', { cacheTtlMs: TAG_LIST_TTL_MS });
    return page(body, tag).data;
  }

  /** One company; null for a miss. An answer for any other id than the one asked is UPSTREAM_BAD_RESPONSE. */
  async getCompany(id: string): Promise<IntercomCompany | null> {
    const { body } = await this.http.request<unknown>(`/companies/${pathSegment(id)}`, { allow: [404] });
    return body === null ? null : answerFor(id, body, company, 'company');
  }

  // Writes (API 2.16, intercom-openapi.yaml; intercom.md "Writes"), one method each. Each answers a Written: the
  // record, or the refusal (REFUSALS) for the writer to map. Calls idempotent by nature (PUT, DELETE, archive, create
  // a tag by name, tag and untag by id, attach and detach by id) may be retried; a create, a note or a merge has one
  // attempt and throws an OutcomeUnknownError when its answer is lost after sending.

  /** `POST /contacts`: the created contact. Intercom has no idempotency keys: never retried. */
  async createContact(body: IntercomContactBody): Promise<Written<IntercomContact>> {
    return this.write('/contacts', 'POST', body, false, contact);
  }

  /** `PUT /contacts/{id}`: the updated contact. */
  async updateContact(id: string, patch: IntercomContactPatch): Promise<Written<IntercomContact>> {
    return this.write(`/contacts/${pathSegment(id)}`, 'PUT', patch, true, contact);
  }

  /** `DELETE /contacts/{id}`: `{id, deleted: true}`, for good. */
  async deleteContact(id: string): Promise<Written<IntercomContactRemoved>> {
    return this.write(`/contacts/${pathSegment(id)}`, 'DELETE', undefined, true, removed);
  }

  /** `POST /contacts/{id}/archive`: `{id, archived: true}`; an archived contact reads as absent. */
  async archiveContact(id: string): Promise<Written<IntercomContactRemoved>> {
    return this.write(`/contacts/${pathSegment(id)}/archive`, 'POST', undefined, true, removed);
  }

  /** `POST /contacts/merge` body `{from, into}`: the contact merged into (a lead `from` into a user `into`). */
  async mergeContacts(from: string, into: string): Promise<Written<IntercomContact>> {
    return this.write('/contacts/merge', 'POST', { from, into }, false, contact);
  }

  /** `POST /tags` body `{name}`: creates the tag, or answers the workspace's tag of that name. */
  async createTag(name: string): Promise<Written<IntercomTag>> {
    return this.write('/tags', 'POST', { name }, true, tag);
  }

  /** `POST /contacts/{id}/tags` body `{id}`: the tag. */
  async tagContact(contactId: string, tagId: string): Promise<Written<IntercomTag>> {
    return this.write(`/contacts/${pathSegment(contactId)}/tags`, 'POST', { id: tagId }, true, tag);
  }

  /** `DELETE /contacts/{id}/tags/{tag_id}`: the tag. */
  async untagContact(contactId: string, tagId: string): Promise<Written<IntercomTag>> {
    return this.write(`/contacts/${pathSegment(contactId)}/tags/${pathSegment(tagId)}`, 'DELETE', undefined, true, tag);
  }

  /** `POST /contacts/{id}/notes` body `{body, admin_id}`: the note. Not idempotent: never retried. */
  async addNote(contactId: string, body: string, adminId: string): Promise<Written<IntercomNote>> {
    return this.write(`/contacts/${pathSegment(contactId)}/notes`, 'POST', { body, admin_id: adminId }, false, note);
  }

  /** `POST /contacts/{id}/companies` body `{id}`: the company. */
  async attachCompany(contactId: string, companyId: string): Promise<Written<IntercomCompany>> {
    return this.write(`/contacts/${pathSegment(contactId)}/companies`, 'POST', { id: companyId }, true, company);
  }

  /** `DELETE /contacts/{id}/companies/{company_id}`: the company. */
  async detachCompany(contactId: string, companyId: string): Promise<Written<IntercomCompany>> {
    const path = `/contacts/${pathSegment(contactId)}/companies/${pathSegment(companyId)}`;
    return this.write(path, 'DELETE', undefined, true, company);
  }

  private async write<T>(
    path: string,
    method: 'POST' | 'PUT' | 'DELETE',
    json: unknown,
    idempotent: boolean,
    parse: (value: unknown) => T,
  ): Promise<Written<T>> {
    const response = await this.http.request<unknown>(path, {
      method,
      ...(json === undefined ? {} : { json }),
      ...(idempotent ? { idempotent: true } : {}),
      write: true,
      answer: REFUSALS,
    });
    return written(response, parse);
  }
}

/**
 * The id in `Link: <…/contacts/{id}>; rel="canonical"`; null when there is none. Not checked: the caller must not send
 * it upstream unless it is a path segment. An id that does not decode is UPSTREAM_BAD_RESPONSE.
 */
export function canonicalId(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?canonical"?/i.exec(part);
    const id = match?.[1] ? /\/contacts\/([^/?#]+)/.exec(match[1])?.[1] : undefined;
    if (id) {
      try {
        return decodeURIComponent(id);
      } catch {
        throw badShape('INTERCOM', 'contact: merged into an undecodable canonical id');
      }
    }
  }
  return null;
}

/** A single record read by id: it must answer that id (Intercom's may come as numbers: compared as strings). */
function answerFor<T extends { id: string }>(id: string, body: unknown, parse: (value: unknown) => T, what: string): T {
  const record = parse(body);
  if (record.id !== id) throw badShape('INTERCOM', `${what}: the answer is for another id`);
  return record;
}

function page<T extends { id: string }>(body: unknown, item: (value: unknown) => T): IntercomPage<T> {
  if (!isObject(body) || !Array.isArray(body.data)) throw badShape('INTERCOM', 'list: no data array');
  const list = body as unknown as IntercomList<unknown>;
  const next = list.pages?.next?.starting_after;
  return {
    // A record with an unusable id is bad data (dropped); a repeated one is dropped too, the first kept.
    data: distinctRecords(list.data.map(item), (record) => record.id),
    next: typeof next === 'string' && next !== '' ? next : null,
    totalCount: typeof list.total_count === 'number' ? list.total_count : null,
  };
}

function withId<T>(what: string) {
  return (value: unknown): T => {
    if (!isObject(value) || (typeof value.id !== 'string' && typeof value.id !== 'number')) {
      throw badShape('INTERCOM', `${what}: no id`);
    }
    return { ...value, id: String(value.id) } as T;
  };
}

const contact = (value: unknown): IntercomContact => {
  const parsed = withId<IntercomContact>('contact')(value);
  if (typeof parsed.created_at !== 'number' || typeof parsed.updated_at !== 'number') {
    throw badShape('INTERCOM', 'contact: timestamps are not unix seconds');
  }
  return parsed;
};
const tag = withId<IntercomTag>('tag');
const company = withId<IntercomCompany>('company');
const note = withId<IntercomNote>('note');
const removed = withId<IntercomContactRemoved>('contact');
