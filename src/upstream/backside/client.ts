import type { Requester } from '../http/requester.js';
import { distinctRecords, isPathSegment, pathSegment } from '../path.js';
import { badShape, isObject } from '../shape.js';
import type { BacksideAffiliation, BacksideContact } from './types.js';

export interface BacksideListParams {
  q?: string;
  kind?: string;
  tag?: string;
  limit: number;
  cursor?: string | null;
  /** Give up then (epoch ms): a list page's share of the request's budget. */
  deadline?: number | undefined;
}

export interface BacksideListResult {
  data: BacksideContact[];
  nextCursor: string | null;
}

/** Backside's REST endpoints, one method each, answering raw shapes (see shared/upstreams/backside.md). */
export class BacksideClient {
  constructor(private readonly http: Requester) {}

  /**
   * The full contact with its related arrays; null for a miss (404, including another tenant's record). An answer
   * for any other id than the one asked is UPSTREAM_BAD_RESPONSE: clients' caches would file it under the wrong id.
   */
  async getContact(id: string): Promise<BacksideContact | null> {
    const { body } = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(id)}`, { allow: [404] });
    if (body === null) return null;
    const contact = this.contact(body);
    if (contact.id !== id) throw badShape('BACKSIDE', 'contact: the answer is for another id');
    return contact;
  }

  /** One contact without related arrays, by an exact channel value; null when none. */
  async findByChannel(
    type: 'email' | 'phone',
    value: string,
    deadline?: number | undefined,
  ): Promise<BacksideContact | null> {
    const { body } = await this.http.request<unknown>('/api/v1/contacts/find-by-channel', {
      searchParams: { type, value },
      allow: [404],
      deadline,
    });
    if (body === null) return null;
    const contact = this.contact(body);
    // Its id is read again with GET /api/v1/contacts/{id}: one that cannot be a path segment is never sent.
    if (!isPathSegment(contact.id)) throw badShape('BACKSIDE', 'find-by-channel: an unusable id');
    return contact;
  }

  async getAffiliations(contactId: string): Promise<BacksideAffiliation[]> {
    const { body } = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(contactId)}/affiliations`, {
      allow: [404],
    });
    if (body === null) return [];
    if (!Array.isArray(body)) throw badShape('BACKSIDE', 'affiliations: not an array');
    return body as BacksideAffiliation[];
  }

  async listContacts(params: BacksideListParams): Promise<BacksideListResult> {
    const { body } = await this.http.request<unknown>('/api/v1/contacts', {
      searchParams: {
        q: params.q,
        kind: params.kind,
        tag: params.tag,
        limit: params.limit,
        cursor: params.cursor ?? undefined,
      },
      deadline: params.deadline,
    });
    return parseList(body);
  }

  private contact(body: unknown): BacksideContact {
    if (!isObject(body) || typeof body.id !== 'string') throw badShape('BACKSIDE', 'contact: no id');
    return body as unknown as BacksideContact;
  }
}

/**
 * The list envelope is undocumented: accept a bare array, or the array under data, items or results. A record whose
 * id cannot be a path segment is dropped, and so is a record repeated in the page (the first is kept).
 */
export function parseList(body: unknown): BacksideListResult {
  let data: unknown;
  let nextCursor: unknown = null;
  if (Array.isArray(body)) {
    data = body;
  } else if (isObject(body)) {
    data = body.data ?? body.items ?? body.results;
    nextCursor = body.next_cursor ?? null;
  }
  if (!Array.isArray(data)) throw badShape('BACKSIDE', 'list: no array');
  const items = data.filter((item): item is BacksideContact => isObject(item) && typeof item.id === 'string');
  if (items.length !== data.length) throw badShape('BACKSIDE', 'list: an item has no id');
  return {
    data: distinctRecords(items, (item) => item.id),
    nextCursor: typeof nextCursor === 'string' && nextCursor !== '' ? nextCursor : null,
  };
}
