import type {
  Address,
  Affiliation,
  Channel,
  Company,
  Contact,
  ContactDate,
  ContactFilter,
  ContactPage,
  IdentityKey,
  Note,
  Source,
  Tag,
} from '../model.js';

export interface ListArgs {
  /** Items wanted on this page. */
  limit: number;
  /** The upstream's own cursor from the previous page; null for the first page. */
  cursor: string | null;
  /** Pushed down to the source's own search; a page may hold fewer than `limit` where the source over-approximates. */
  filter?: ContactFilter | undefined;
  /** This page's share of the request's budget: its upstream calls give up then (epoch ms; UPSTREAM_TIMEOUT). */
  deadline?: number | undefined;
}

/**
 * One source seen through the unified model. Made per request: it owns that request's loaders, so every upstream
 * read is batched and deduped within the request and nothing leaks between callers.
 */
export interface SourceConnector {
  readonly source: Source;
  /** The full contact; null for a plain miss. */
  contact(sourceId: string): Promise<Contact | null>;
  /** The same contact with every field known (a Backside list item loads its full record once). */
  complete(contact: Contact): Promise<Contact>;
  listContacts(args: ListArgs): Promise<ContactPage>;
  addresses(contact: Contact): Promise<Address[]>;
  channels(contact: Contact): Promise<Channel[]>;
  tags(contact: Contact): Promise<Tag[]>;
  companies(contact: Contact): Promise<Company[]>;
  affiliations(contact: Contact): Promise<Affiliation[]>;
  notes(contact: Contact): Promise<Note[]>;
  dates(contact: Contact): Promise<ContactDate[]>;
  tag(sourceId: string): Promise<Tag | null>;
  company(sourceId: string): Promise<Company | null>;
  note(contactId: string, noteId: string): Promise<Note | null>;
  /** Every contact of this source with that canonical email or phone; batched across the request. */
  findByIdentity(key: IdentityKey): Promise<Contact[]>;
}

export function identityKey(key: IdentityKey): string {
  return `${key.kind}:${key.value}`;
}

export function parseIdentityKey(key: string): IdentityKey {
  const colon = key.indexOf(':');
  return { kind: key.slice(0, colon) as IdentityKey['kind'], value: key.slice(colon + 1) };
}

export function hasFilter(filter: ContactFilter | undefined): filter is ContactFilter {
  return filter !== undefined && Object.values(filter).some((value) => value !== undefined);
}

/** A DataLoader batch function over single-key reads: answers in key order, a failed key gets its own Error. */
export function eachKey<K, V>(load: (key: K) => Promise<V>) {
  return (keys: readonly K[]): Promise<(V | Error)[]> =>
    Promise.all(keys.map((key) => load(key).catch((error: unknown) => toError(error))));
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
