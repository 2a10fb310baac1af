import type { Requester } from '../http/requester.js';
import { badShape, isObject } from '../shape.js';
import type {
  IntercomCompany,
  IntercomContact,
  IntercomContactCompanies,
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
   * follow it once, so callers get the surviving record.
   */
  async getContact(id: string): Promise<IntercomContact | null> {
    const first = await this.http.request<unknown>(`/contacts/${encodeURIComponent(id)}`, { allow: [404, 410] });
    if (first.status === 410) {
      const canonical = canonicalId(first.headers.get('link'));
      if (canonical === null || canonical === id) return null;
      const second = await this.http.request<unknown>(`/contacts/${encodeURIComponent(canonical)}`, {
        allow: [404, 410],
      });
      return second.body === null ? null : contact(second.body);
    }
    return first.body === null ? null : contact(first.body);
  }

  async listContacts(perPage: number, startingAfter: string | null): Promise<IntercomPage<IntercomContact>> {
    const { body } = await this.http.request<unknown>('/contacts', {
      searchParams: { per_page: perPage, starting_after: startingAfter ?? undefined },
    });
    return page(body, contact);
  }

  async searchContacts(request: IntercomSearchRequest): Promise<IntercomPage<IntercomContact>> {
    const { body } = await this.http.request<unknown>('/contacts/search', {
      method: 'POST',
      json: request,
      idempotent: true,
    });
    return page(body, contact);
  }

  async contactTags(contactId: string): Promise<IntercomTag[]> {
    const { body } = await this.http.request<unknown>(`/contacts/${encodeURIComponent(contactId)}/tags`, {
      allow: [404],
    });
    return body === null ? [] : page(body, tag).data;
  }

  async contactCompanies(contactId: string): Promise<IntercomCompany[]> {
    const { body } = await this.http.request<IntercomContactCompanies>(
      `/contacts/${encodeURIComponent(contactId)}/companies`,
      { allow: [404] },
    );
    if (body === null) return [];
    // The schema names the array `companies`, the documented example `data`: accept both.
    const items = isObject(body) ? (body.data ?? body.companies) : undefined;
    if (!Array.isArray(items)) throw badShape('INTERCOM', 'contact companies: no array');
    return items.map(company);
  }

  async contactNotes(contactId: string): Promise<IntercomNote[]> {
    const { body } = await this.http.request<unknown>(`/contacts/${encodeURIComponent(contactId)}/notes`, {
      allow: [404],
    });
    return body === null ? [] : page(body, note).data;
  }

  async listTags(): Promise<IntercomTag[]> {
    // The workspace's tags change rarely: one list serves every request for a minute.
    const { body } = await this.http.request<unknown>('/tags', { cacheTtlMs: TAG_LIST_TTL_MS });
    return page(body, tag).data;
  }

  async getCompany(id: string): Promise<IntercomCompany | null> {
    const { body } = await this.http.request<unknown>(`/companies/${encodeURIComponent(id)}`, { allow: [404] });
    return body === null ? null : company(body);
  }
}

/** The id in `Link: <…/contacts/{id}>; rel="canonical"`. */
export function canonicalId(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?canonical"?/i.exec(part);
    const id = match?.[1] ? /\/contacts\/([^/?#]+)/.exec(match[1])?.[1] : undefined;
    if (id) return decodeURIComponent(id);
  }
  return null;
}

function page<T>(body: unknown, item: (value: unknown) => T): IntercomPage<T> {
  if (!isObject(body) || !Array.isArray(body.data)) throw badShape('INTERCOM', 'list: no data array');
  const list = body as unknown as IntercomList<unknown>;
  const next = list.pages?.next?.starting_after;
  return {
    data: list.data.map(item),
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
