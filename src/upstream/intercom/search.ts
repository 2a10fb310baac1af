// Intercom's search query language, built from the unified filter and identity keys. Pure: no I/O.
import type { Contact, ContactFilter, IdentityKey } from '../../model.js';
import { canonicalEmail, phoneSpellings } from '../../values.js';
import type { IntercomMultipleFilter, IntercomSingleFilter } from './types.js';

type Query = IntercomSingleFilter | IntercomMultipleFilter;

/** Intercom allows at most this many filters in one AND/OR group. */
export const MAX_GROUP = 15;
const DAY = 86_400;

/**
 * The narrowest Intercom query for a filter; `finish` must still hold on every result:
 * - `email` is searched as "contains" (Intercom keeps emails as typed, case and surrounding spaces included);
 * - `phone` as IN over the usual spellings of the number;
 * - `updatedAfter` a day early, since Intercom compares dates by whole (workspace) days.
 */
export function filterQuery(filter: ContactFilter, tagId: string | undefined): Query | null {
  const parts: Query[] = [];
  if (filter.query) {
    parts.push({
      operator: 'OR',
      value: (['name', 'email', 'phone'] as const).map((field) => ({
        field,
        operator: '~',
        value: filter.query as string,
      })),
    });
  }
  if (filter.email) parts.push({ field: 'email', operator: '~', value: filter.email });
  if (filter.phone) parts.push({ field: 'phone', operator: 'IN', value: phoneSpellings(filter.phone) });
  if (tagId) parts.push({ field: 'tag_id', operator: '=', value: tagId });
  if (filter.updatedAfter) {
    parts.push({ field: 'updated_at', operator: '>', value: Math.floor(filter.updatedAfter.getTime() / 1000) - DAY });
  }
  if (parts.length === 0) return null;
  return parts.length === 1 ? (parts[0] as Query) : { operator: 'AND', value: parts };
}

/** Whether a mapped contact meets the parts of the filter Intercom could only approximate. */
export function finish(contact: Contact, filter: ContactFilter): boolean {
  if (filter.email && contact.email !== filter.email) return false;
  if (filter.phone && contact.phone !== filter.phone) return false;
  if (filter.updatedAfter && contact.updatedAt <= filter.updatedAfter) return false;
  return true;
}

/**
 * One query for many identity keys: OR groups of email "contains" filters, plus one phone IN over every spelling.
 * Returns the queries needed (more than one only past Intercom's group limits).
 */
export function identityQueries(keys: IdentityKey[]): Query[] {
  const emails = [...new Set(keys.filter((key) => key.kind === 'email').map((key) => key.value))];
  const phones = [...new Set(keys.filter((key) => key.kind === 'phone').map((key) => key.value))];
  const filters: Query[] = emails.map((email) => ({ field: 'email', operator: '~', value: email }));
  if (phones.length > 0) filters.push({ field: 'phone', operator: 'IN', value: phones.flatMap(phoneSpellings) });
  // Nest in groups of 15 under one OR: Intercom allows two levels of nesting and 15 filters per group.
  const groups: Query[] = [];
  for (let i = 0; i < filters.length; i += MAX_GROUP) {
    const chunk = filters.slice(i, i + MAX_GROUP);
    groups.push(chunk.length === 1 ? (chunk[0] as Query) : { operator: 'OR', value: chunk });
  }
  const queries: Query[] = [];
  for (let i = 0; i < groups.length; i += MAX_GROUP) {
    const chunk = groups.slice(i, i + MAX_GROUP);
    queries.push(chunk.length === 1 ? (chunk[0] as Query) : { operator: 'OR', value: chunk });
  }
  return queries;
}

/** The identity keys a raw Intercom contact answers to. */
export function keysOf(contact: Contact): string[] {
  const keys: string[] = [];
  const email = canonicalEmail(contact.email);
  if (email) keys.push(`email:${email}`);
  if (contact.phone?.startsWith('+')) keys.push(`phone:${contact.phone}`);
  return keys;
}
