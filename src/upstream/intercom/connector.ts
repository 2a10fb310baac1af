import DataLoader from 'dataloader';
import { type ErrorCode, GatewayError } from '../../errors.js';
import type { Affiliation, Company, Contact, ContactFilter, ContactPage, IdentityKey, Note, Tag } from '../../model.js';
import {
  eachKey,
  hasFilter,
  identityKey,
  type ListArgs,
  parseIdentityKey,
  type SourceConnector,
  toError,
} from '../connector.js';
import { checkIds, distinctRecords, idError } from '../path.js';
import { INTERCOM_MAX_PAGE, type IntercomClient } from './client.js';
import { type MapOptions, mapAddresses, mapChannels, mapCompany, mapContact, mapNote, mapTag } from './mappers.js';
import { filterQuery, finish, identityQueries, keysOf } from './search.js';
import type { IntercomCompany, IntercomContact, IntercomRefList } from './types.js';

/** Result pages one identity search may read before it stops (150 contacts a page). */
const MAX_IDENTITY_PAGES = 5;

/** Ids per `POST /contacts/search` batch: one page of results must hold them all. */
export const INTERCOM_SEARCH_BATCH = 100;

/**
 * Failures of a batch search after which reading each id by GET would only be refused the same way (our credential,
 * or a rate limit the transport already judged too long to wait): every id of the batch gets that failure instead.
 */
const NO_FALLBACK: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UPSTREAM_UNAUTHORIZED', 'UPSTREAM_RATE_LIMITED']);

export class IntercomConnector implements SourceConnector {
  readonly source = 'INTERCOM' as const;
  /** Contacts by id, many per `POST /contacts/search` with `id IN [...]`; primed by every list answer. */
  private readonly contacts: DataLoader<string, IntercomContact | null>;
  private readonly companies_: DataLoader<string, IntercomCompany | null>;
  private readonly contactTags: DataLoader<string, Tag[]>;
  private readonly contactCompanies: DataLoader<string, IntercomCompany[]>;
  private readonly contactNotes: DataLoader<string, Note[]>;
  private readonly identities: DataLoader<string, Contact[]>;
  private tagList: Promise<Map<string, Tag>> | undefined;

  constructor(
    private readonly client: IntercomClient,
    private readonly options: MapOptions,
  ) {
    this.contacts = new DataLoader((ids) => this.loadContacts(ids), { maxBatchSize: INTERCOM_SEARCH_BATCH });
    this.companies_ = new DataLoader(
      eachKey((id) => {
        checkIds(id);
        return client.getCompany(id);
      }),
    );
    this.contactTags = new DataLoader(eachKey(async (id) => (await client.contactTags(id)).map(mapTag)));
    this.contactCompanies = new DataLoader(
      eachKey(async (id) => {
        const companies = await client.contactCompanies(id);
        for (const company of companies) this.companies_.prime(company.id, company);
        return companies;
      }),
    );
    this.identities = new DataLoader((keys) => this.loadIdentities(keys), { maxBatchSize: 200 });
    this.contactNotes = new DataLoader(
      eachKey(async (id) => (await client.contactNotes(id)).map((note) => mapNote(note, id))),
    );
  }

  /**
   * Drops what this request holds of a contact after a write changed it (its record, tags, companies, notes), every
   * identity lookup (an email or phone may have moved) and the tag list (a tag may have been created). The transport
   * has dropped the credential's cached and in-flight reads (upstream-http.ts), so the next read is fresh.
   */
  forget(sourceId: string): void {
    this.contacts.clear(sourceId);
    this.contactTags.clear(sourceId);
    this.contactCompanies.clear(sourceId);
    this.contactNotes.clear(sourceId);
    this.identities.clearAll();
    this.tagList = undefined;
  }

  /** Takes a write's answer (Intercom answers the whole contact) as the contact's record. */
  prime(raw: IntercomContact): void {
    this.forget(raw.id);
    this.contacts.prime(raw.id, raw);
  }

  /** The workspace's tag named `name` (trimmed, case-insensitive), from this request's (cached) tag list. */
  tagIdByName(name: string): Promise<string | undefined> {
    return this.findTagId(name);
  }

  async contact(sourceId: string): Promise<Contact | null> {
    checkIds(sourceId);
    const raw = await this.contacts.load(sourceId);
    return raw ? mapContact(raw, this.options) : null;
  }

  async complete(contact: Contact): Promise<Contact> {
    return contact;
  }

  async listContacts(args: ListArgs): Promise<ContactPage> {
    const perPage = Math.min(args.limit, INTERCOM_MAX_PAGE);
    if (!hasFilter(args.filter)) {
      const page = await this.client.listContacts(perPage, args.cursor, args.deadline);
      return { items: this.primeAll(page.data), nextCursor: page.next };
    }
    return this.search(args.filter, perPage, args.cursor, args.deadline);
  }

  private async search(
    filter: ContactFilter,
    perPage: number,
    cursor: string | null,
    deadline: number | undefined,
  ): Promise<ContactPage> {
    let tagId: string | undefined;
    if (filter.tag) {
      tagId = await this.findTagId(filter.tag);
      // A tag this workspace does not have matches nothing here: no search needed.
      if (tagId === undefined) return { items: [], nextCursor: null };
    }
    const query = filterQuery(filter, tagId);
    if (query === null) return { items: [], nextCursor: null };
    const page = await this.client.searchContacts(
      { query, pagination: { per_page: perPage, ...(cursor ? { starting_after: cursor } : {}) } },
      deadline,
    );
    return { items: this.primeAll(page.data).filter((contact) => finish(contact, filter)), nextCursor: page.next };
  }

  private async findTagId(name: string): Promise<string | undefined> {
    const wanted = name.trim().toLowerCase();
    for (const tag of (await this.allTags()).values()) {
      if (tag.name.trim().toLowerCase() === wanted) return tag.sourceId;
    }
    return undefined;
  }

  findByIdentity(key: IdentityKey): Promise<Contact[]> {
    return this.identities.load(identityKey(key));
  }

  /** Every key of the batch in as few searches as Intercom's limits allow, then bucketed by canonical value. */
  private async loadIdentities(keys: readonly string[]): Promise<(Contact[] | Error)[]> {
    const buckets = new Map<string, Contact[]>(keys.map((key) => [key, []]));
    try {
      for (const query of identityQueries(keys.map(parseIdentityKey))) {
        let cursor: string | null = null;
        for (let pages = 0; pages < MAX_IDENTITY_PAGES; pages++) {
          const page = await this.client.searchContacts({
            query,
            pagination: { per_page: INTERCOM_MAX_PAGE, ...(cursor ? { starting_after: cursor } : {}) },
          });
          for (const contact of this.primeAll(page.data)) {
            for (const key of keysOf(contact)) buckets.get(key)?.push(contact);
          }
          cursor = page.next;
          if (!cursor) break;
        }
      }
    } catch (error) {
      return keys.map(() => toError(error));
    }
    return keys.map((key) => buckets.get(key) ?? []);
  }

  /** Prime the contact loader with list answers, so child fields cost no second read. */
  private primeAll(raws: IntercomContact[]): Contact[] {
    return raws.map((raw) => {
      this.contacts.prime(raw.id, raw);
      return mapContact(raw, this.options);
    });
  }

  private async raw(contact: Contact): Promise<IntercomContact | null> {
    return this.contacts.load(contact.sourceId);
  }

  async addresses(contact: Contact) {
    const raw = await this.raw(contact);
    return raw ? mapAddresses(raw) : [];
  }

  async channels(contact: Contact) {
    const raw = await this.raw(contact);
    return raw ? mapChannels(raw, this.options) : [];
  }

  async dates() {
    // Intercom has no dates of this kind.
    return [];
  }

  async tags(contact: Contact): Promise<Tag[]> {
    const refs = (await this.raw(contact))?.tags;
    if (!refs || refs.data.length === 0) return [];
    if (!refs.has_more) {
      // One `GET /tags` per request names every tag of the workspace.
      const byId = await this.allTags();
      const tags = distinctRecords(refs.data, (ref) => String(ref.id)).map((ref) => byId.get(String(ref.id)));
      if (tags.every((tag) => tag !== undefined)) return tags as Tag[];
    }
    // More than the inline ten, or a tag newer than the list: the contact's own tag list is complete.
    return this.contactTags.load(contact.sourceId);
  }

  async companies(contact: Contact): Promise<Company[]> {
    return (await this.rawCompanies(contact)).map(mapCompany);
  }

  async affiliations(contact: Contact): Promise<Affiliation[]> {
    // Intercom only says which companies a contact belongs to: each is a current affiliation without a title.
    return (await this.companies(contact)).map((company) => ({
      company,
      title: null,
      role: null,
      department: null,
      description: null,
      isCurrent: true,
      startDate: null,
      endDate: null,
    }));
  }

  async notes(contact: Contact): Promise<Note[]> {
    const refs = (await this.raw(contact))?.notes;
    // An empty inline list is the whole answer: no call needed.
    if (refs && refs.data.length === 0 && !refs.has_more) return [];
    return this.contactNotes.load(contact.sourceId);
  }

  async tag(sourceId: string) {
    checkIds(sourceId);
    return (await this.allTags()).get(sourceId) ?? null;
  }

  async company(sourceId: string) {
    checkIds(sourceId);
    const raw = await this.companies_.load(sourceId);
    return raw ? mapCompany(raw) : null;
  }

  async note(contactId: string, noteId: string) {
    checkIds(contactId, noteId);
    const contact = await this.contact(contactId);
    if (!contact) return null;
    return (await this.notes(contact)).find((note) => note.sourceId === noteId) ?? null;
  }

  private async rawCompanies(contact: Contact): Promise<IntercomCompany[]> {
    const refs: IntercomRefList | null | undefined = (await this.raw(contact))?.companies;
    if (!refs || refs.data.length === 0) return [];
    if (refs.has_more) return this.contactCompanies.load(contact.sourceId);
    // A repeated ref is read once and listed once; one whose id cannot be a path segment is bad data, never read.
    const ids = distinctRecords(
      refs.data.map((ref) => String(ref.id)),
      (id) => id,
    );
    const loaded = await this.companies_.loadMany(ids);
    return loaded.filter((company): company is IntercomCompany => {
      if (company instanceof Error) throw company;
      return company !== null;
    });
  }

  private allTags(): Promise<Map<string, Tag>> {
    this.tagList ??= this.client.listTags().then((tags) => new Map(tags.map((tag) => [tag.id, mapTag(tag)])));
    return this.tagList;
  }

  /**
   * Many ids in one search; ids the (eventually consistent) search missed fall back to `GET /contacts/{id}`. One id is
   * read by `GET` at once: the same one call, and never missed by the search's lag. A failed search falls back to one
   * `GET` per id (unless the failure would refuse those too, see NO_FALLBACK), so each id succeeds or fails on its
   * own. An id that cannot be a path segment fails its own key with BAD_USER_INPUT and is never sent.
   */
  private async loadContacts(ids: readonly string[]): Promise<(IntercomContact | null | Error)[]> {
    const answers = new Map<string, IntercomContact | null | Error>();
    const unique: string[] = [];
    for (const id of new Set(ids)) {
      const bad = idError(id);
      if (bad) answers.set(id, bad);
      else unique.push(id);
    }
    const get = async (id: string) => answers.set(id, await this.client.getContact(id).catch(toError));
    if (unique.length === 1) {
      await get(unique[0] as string);
    } else if (unique.length > 1) {
      try {
        const asked = new Set(unique);
        const page = await this.client.searchContacts({
          query: { field: 'id', operator: 'IN', value: unique },
          pagination: { per_page: Math.min(INTERCOM_MAX_PAGE, unique.length) },
        });
        for (const raw of page.data) if (asked.has(raw.id)) answers.set(raw.id, raw);
      } catch (error) {
        if (!(error instanceof GatewayError) || !error.source || NO_FALLBACK.has(error.code)) {
          return ids.map((id) => answers.get(id) ?? toError(error));
        }
      }
      await Promise.all(unique.filter((id) => !answers.has(id)).map(get));
    }
    return ids.map((id) => answers.get(id) ?? null);
  }
}
