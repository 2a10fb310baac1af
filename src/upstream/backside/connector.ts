import DataLoader from 'dataloader';
import type { Affiliation, Company, Contact, ContactFilter, ContactPage, IdentityKey } from '../../model.js';
import { canonicalEmail } from '../../values.js';
import {
  eachKey,
  hasFilter,
  identityKey,
  type ListArgs,
  parseIdentityKey,
  type SourceConnector,
} from '../connector.js';
import { checkIds, distinctRecords, isPathSegment } from '../path.js';
import type { BacksideClient } from './client.js';
import {
  isFull,
  type MapOptions,
  mapAddress,
  mapAffiliation,
  mapChannels,
  mapContact,
  mapDate,
  mapOrganization,
  mapTag,
} from './mappers.js';
import type { BacksideContact } from './types.js';

/** Backside pages hold at most this many contacts. */
export const BACKSIDE_MAX_PAGE = 100;

export class BacksideConnector implements SourceConnector {
  readonly source = 'BACKSIDE' as const;
  /**
   * Full records by id, contacts and organizations alike. Backside has no batch get, so this loader's job is to
   * dedupe across the whole request; the HTTP layer caps concurrency.
   */
  private readonly full: DataLoader<string, BacksideContact | null>;
  private readonly affiliationLists: DataLoader<string, Affiliation[]>;
  /** Identity lookups: `find-by-channel`, one call per distinct value (Backside cannot search many at once). */
  private readonly identities: DataLoader<string, Contact[]>;

  constructor(
    private readonly client: BacksideClient,
    private readonly options: MapOptions & {
      /** The credential's tenant, when known: a record of any other tenant is dropped as if absent. */
      tenantId?: string | undefined;
    },
  ) {
    this.full = new DataLoader(
      eachKey(async (id) => {
        // A bad id fails its own key, before any call (the client refuses it too).
        checkIds(id);
        const raw = await client.getContact(id);
        return raw && this.mine(raw) ? raw : null;
      }),
    );
    this.affiliationLists = new DataLoader(eachKey((id) => this.loadAffiliations(id)));
    this.identities = new DataLoader(
      eachKey(async (key) => {
        const { kind, value } = parseIdentityKey(key);
        const raw = await client.findByChannel(kind, value);
        return raw && this.mine(raw) ? [mapContact(raw, options)] : [];
      }),
    );
  }

  /**
   * Drops what this request holds of a contact after a write changed it: its full record, its affiliations, and every
   * identity lookup (an email or phone may have moved). The next read goes upstream (and the transport has dropped the
   * credential's cached and in-flight reads: see upstream-http.ts).
   */
  forget(sourceId: string): void {
    this.full.clear(sourceId);
    this.affiliationLists.clear(sourceId);
    this.identities.clearAll();
  }

  /** Takes a write's answer as the contact's record when it is full (carries its related arrays); else forgets it. */
  prime(raw: BacksideContact): void {
    this.forget(raw.id);
    if (isFull(raw) && this.mine(raw)) this.full.prime(raw.id, raw);
  }

  findByIdentity(key: IdentityKey): Promise<Contact[]> {
    return this.identities.load(identityKey(key));
  }

  /** Backside scopes keys to tenants; should a record of another tenant ever come back, it is not ours to show. */
  private mine(raw: BacksideContact): boolean {
    return !this.options.tenantId || !raw.tenant_id || raw.tenant_id === this.options.tenantId;
  }

  async contact(sourceId: string): Promise<Contact | null> {
    checkIds(sourceId);
    const raw = await this.full.load(sourceId);
    return raw ? mapContact(raw, this.options) : null;
  }

  async complete(contact: Contact): Promise<Contact> {
    if (!contact.partial) return contact;
    return (await this.contact(contact.sourceId)) ?? contact;
  }

  async listContacts(args: ListArgs): Promise<ContactPage> {
    const filter = hasFilter(args.filter) ? args.filter : undefined;
    if (filter?.email || filter?.phone) return this.findForFilter(filter, args.cursor, args.deadline);
    const page = await this.client.listContacts({
      limit: Math.min(args.limit, BACKSIDE_MAX_PAGE),
      cursor: args.cursor,
      deadline: args.deadline,
      ...(filter?.query ? { q: filter.query } : {}),
      ...(filter?.tag ? { tag: filter.tag } : {}),
    });
    const rows = page.data.filter((raw) => this.mine(raw));
    for (const raw of rows) {
      // A list item may carry its related arrays after all; then it is as good as a GET.
      if (isFull(raw)) this.full.prime(raw.id, raw);
    }
    let items = rows.map((raw) => mapContact(raw, this.options));
    // Backside cannot search by update time: each page is finished here.
    const after = filter?.updatedAfter;
    if (after) items = items.filter((contact) => contact.updatedAt > after);
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * An exact email or phone: `find-by-channel` answers the one contact holding it, and the rest of the filter is
   * checked on that contact's full record.
   */
  private async findForFilter(
    filter: ContactFilter,
    cursor: string | null,
    deadline: number | undefined,
  ): Promise<ContactPage> {
    if (cursor !== null) return { items: [], nextCursor: null };
    const found = filter.email
      ? await this.client.findByChannel('email', filter.email, deadline)
      : await this.client.findByChannel('phone', filter.phone as string, deadline);
    if (!found) return { items: [], nextCursor: null };
    const raw = await this.full.load(found.id);
    return { items: raw && this.matches(raw, filter) ? [mapContact(raw, this.options)] : [], nextCursor: null };
  }

  private matches(raw: BacksideContact, filter: ContactFilter): boolean {
    const channels = raw.channels ?? [];
    const values = (type: string, canonical: (value: string) => string | null) =>
      channels
        .filter((channel) => channel.type === type)
        .map((channel) => canonical(channel.canonical_value ?? channel.value));
    if (filter.email && !values('email', canonicalEmail).includes(filter.email)) return false;
    // Phones as the contact's channels read them (its address's country, extensions kept).
    const phones = mapChannels(channels, this.options, raw).filter((channel) => channel.type === 'PHONE');
    if (filter.phone && !phones.some((channel) => channel.canonicalValue === filter.phone)) return false;
    const tag = filter.tag?.trim().toLowerCase();
    const tags = raw.tags ?? [];
    if (tag && !tags.some((candidate) => candidate.name.trim().toLowerCase() === tag || candidate.id === filter.tag)) {
      return false;
    }
    if (filter.updatedAfter && !(mapContact(raw, this.options).updatedAt > filter.updatedAfter)) return false;
    if (filter.query) {
      const needle = filter.query.toLowerCase();
      const haystack = [raw.display_name, raw.given_name, raw.family_name, ...channels.map((channel) => channel.value)];
      if (!haystack.some((value) => value?.toLowerCase().includes(needle))) return false;
    }
    return true;
  }

  private async record(contact: Contact): Promise<BacksideContact | null> {
    return this.full.load(contact.sourceId);
  }

  async addresses(contact: Contact) {
    return ((await this.record(contact))?.addresses ?? []).map(mapAddress);
  }

  async channels(contact: Contact) {
    const raw = await this.record(contact);
    return mapChannels(raw?.channels ?? [], this.options, raw);
  }

  async tags(contact: Contact) {
    return distinctRecords((await this.record(contact))?.tags ?? [], (tag) => tag.id).map(mapTag);
  }

  async dates(contact: Contact) {
    return ((await this.record(contact))?.dates ?? []).map(mapDate);
  }

  async notes(): Promise<never[]> {
    // Backside documents no notes.
    return [];
  }

  async affiliations(contact: Contact): Promise<Affiliation[]> {
    return this.affiliationLists.load(contact.sourceId);
  }

  async companies(contact: Contact): Promise<Company[]> {
    const seen = new Set<string>();
    return (await this.affiliations(contact))
      .map((affiliation) => affiliation.company)
      .filter((company) => !seen.has(company.sourceId) && seen.add(company.sourceId));
  }

  async tag(sourceId: string) {
    checkIds(sourceId);
    // No tag endpoint: find one contact carrying the tag, and read the tag from its full record.
    const page = await this.client.listContacts({ tag: sourceId, limit: 1 });
    const first = page.data[0];
    if (!first) return null;
    const raw = await this.full.load(first.id);
    const tag = raw?.tags?.find((candidate) => candidate.id === sourceId);
    return tag ? mapTag(tag) : null;
  }

  async company(sourceId: string) {
    checkIds(sourceId);
    const raw = await this.full.load(sourceId);
    return raw && raw.kind?.toLowerCase() === 'organization' ? mapOrganization(raw) : null;
  }

  async note(contactId: string, noteId: string) {
    // Backside documents no notes; a bad id is refused all the same, as every source does.
    checkIds(contactId, noteId);
    return null;
  }

  private async loadAffiliations(contactId: string): Promise<Affiliation[]> {
    const raw = await this.full.load(contactId);
    if (!raw) return [];
    // An absent array means "not loaded", never "empty": ask the sub-list endpoint.
    const list = raw.affiliations ?? (await this.client.getAffiliations(contactId));
    // An organization id that cannot be a path segment is bad upstream data: that affiliation is dropped, never read.
    const refs = list.filter((affiliation) => isPathSegment(affiliation.organization_id)).map(mapAffiliation);
    const organizations = await this.full.loadMany(refs.map((ref) => ref.companyId));
    const affiliations: Affiliation[] = [];
    refs.forEach((ref, index) => {
      const organization = organizations[index];
      if (organization instanceof Error) throw organization;
      // An organization that is gone (404) leaves no dangling affiliation.
      if (!organization) return;
      const { companyId: _companyId, ...rest } = ref;
      affiliations.push({ ...rest, company: mapOrganization(organization) });
    });
    return affiliations;
  }
}
