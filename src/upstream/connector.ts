import type {
  Address,
  Affiliation,
  Channel,
  Company,
  Contact,
  ContactDate,
  ContactPage,
  Note,
  Source,
  Tag,
} from '../model.js';

export interface ListArgs {
  /** Items wanted on this page. */
  limit: number;
  /** The upstream's own cursor from the previous page; null for the first page. */
  cursor: string | null;
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
}

/** A DataLoader batch function over single-key reads: answers in key order, a failed key gets its own Error. */
export function eachKey<K, V>(load: (key: K) => Promise<V>) {
  return (keys: readonly K[]): Promise<(V | Error)[]> =>
    Promise.all(keys.map((key) => load(key).catch((error: unknown) => toError(error))));
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
