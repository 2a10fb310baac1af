import { randomUUID } from 'node:crypto';
import type { Requester } from '../http/requester.js';
import { distinctRecords, isPathSegment, pathSegment } from '../path.js';
import { badShape, isObject } from '../shape.js';
import { REFUSALS, type Written, written } from '../write-answer.js';
import type {
  BacksideAddress,
  BacksideAddressBody,
  BacksideAffiliation,
  BacksideAffiliationBody,
  BacksideChannel,
  BacksideChannelBody,
  BacksideContact,
  BacksideContactBody,
  BacksideContactPatch,
  BacksideTag,
} from './types.js';

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

  // Writes (backside.md, "Writes"). Each answers a Written: the record, or the refusal (REFUSALS) for the writer to
  // map. Creates are POSTs: one attempt, never retried, an OutcomeUnknownError when the answer is lost after sending.

  /**
   * `POST /api/v1/contacts` (D), with a fresh `Idempotency-Key` (A: may be honoured; nothing relies on it). Answers the
   * created contact (its related arrays may be absent).
   */
  async createContact(body: BacksideContactBody): Promise<Written<BacksideContact>> {
    const response = await this.http.request<unknown>('/api/v1/contacts', {
      method: 'POST',
      json: body,
      headers: { 'Idempotency-Key': randomUUID() },
      answer: REFUSALS,
    });
    return written(response, (value) => this.contact(value));
  }

  /** `PATCH /api/v1/contacts/{id}` (A): the updated contact. Idempotent by nature (the same fields set again). */
  async updateContact(id: string, patch: BacksideContactPatch): Promise<Written<BacksideContact>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(id)}`, {
      method: 'PATCH',
      json: patch,
      idempotent: true,
      answer: REFUSALS,
    });
    return written(response, (value) => this.contact(value));
  }

  /** `DELETE /api/v1/contacts/{id}` (A): soft delete; 204 (value null) or the contact with `deleted_at` set. */
  async deleteContact(id: string): Promise<Written<BacksideContact>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(id)}`, {
      method: 'DELETE',
      idempotent: true,
      answer: REFUSALS,
    });
    return written(response, (value) => this.contact(value));
  }

  /** `POST /api/v1/contacts/{id}/channels` (D): the created channel. */
  async addChannel(contactId: string, body: BacksideChannelBody): Promise<Written<BacksideChannel>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(contactId)}/channels`, {
      method: 'POST',
      json: body,
      headers: { 'Idempotency-Key': randomUUID() },
      answer: REFUSALS,
    });
    return written(response, (value) => record<BacksideChannel>(value, 'channel'));
  }

  /** `POST /api/v1/contacts/{id}/addresses` (D): the created address. */
  async addAddress(contactId: string, body: BacksideAddressBody): Promise<Written<BacksideAddress>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(contactId)}/addresses`, {
      method: 'POST',
      json: body,
      headers: { 'Idempotency-Key': randomUUID() },
      answer: REFUSALS,
    });
    return written(response, (value) => record<BacksideAddress>(value, 'address'));
  }

  /** `POST /api/v1/contacts/{id}/tags` body `{name}` (A): the tag. */
  async addTag(contactId: string, name: string): Promise<Written<BacksideTag>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(contactId)}/tags`, {
      method: 'POST',
      json: { name },
      answer: REFUSALS,
    });
    return written(response, (value) => record<BacksideTag>(value, 'tag'));
  }

  /** `DELETE /api/v1/contacts/{id}/tags/{tag_id}` (A): 204. */
  async removeTag(contactId: string, tagId: string): Promise<Written<unknown>> {
    const response = await this.http.request<unknown>(
      `/api/v1/contacts/${pathSegment(contactId)}/tags/${pathSegment(tagId)}`,
      { method: 'DELETE', idempotent: true, answer: REFUSALS },
    );
    return written(response, (value) => value);
  }

  /** `POST /api/v1/contacts/{id}/affiliations` (A): the affiliation. */
  async addAffiliation(contactId: string, body: BacksideAffiliationBody): Promise<Written<BacksideAffiliation>> {
    const response = await this.http.request<unknown>(`/api/v1/contacts/${pathSegment(contactId)}/affiliations`, {
      method: 'POST',
      json: body,
      answer: REFUSALS,
    });
    return written(response, (value) => record<BacksideAffiliation>(value, 'affiliation'));
  }

  /** `DELETE /api/v1/contacts/{id}/affiliations/{affiliation_id}` (A): 204. */
  async removeAffiliation(contactId: string, affiliationId: string): Promise<Written<unknown>> {
    const response = await this.http.request<unknown>(
      `/api/v1/contacts/${pathSegment(contactId)}/affiliations/${pathSegment(affiliationId)}`,
      { method: 'DELETE', idempotent: true, answer: REFUSALS },
    );
    return written(response, (value) => value);
  }

  private contact(body: unknown): BacksideContact {
    if (!isObject(body) || typeof body.id !== 'string') throw badShape('BACKSIDE', 'contact: no id');
    return body as unknown as BacksideContact;
  }
}

/** A created sub-record: an object (its id is not relied on: the contact is read again). */
function record<T>(body: unknown, what: string): T {
  if (!isObject(body)) throw badShape('BACKSIDE', `${what}: not an object`);
  return body as T;
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
