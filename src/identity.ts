import { GatewayError } from './errors.js';
// The same person across sources: records linked by a canonical email or phone (E.164, with `;ext=` for an extension:
// two numbers that differ only by extension are two people's).
import type { Company, Contact, IdentityKey, Source, Tag } from './model.js';
import type { Sources } from './sources.js';

export interface Person {
  key: string;
  displayName: string;
  emails: string[];
  phones: string[];
  contacts: Contact[];
  tags: Tag[];
  companies: Company[];
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

const recordKey = (record: { source: Source; sourceId: string }) => `${record.source}:${record.sourceId}`;

/**
 * The canonical emails (with an `@`) and phones (E.164, with `;ext=` for an extension) of a contact, from all its
 * channels; each once.
 */
export async function identityKeys(sources: Sources, contact: Contact): Promise<IdentityKey[]> {
  const channels = await sources.of(contact).channels(contact);
  const keys: IdentityKey[] = [];
  for (const channel of channels) {
    const value = channel.canonicalValue;
    if (channel.type === 'EMAIL' && value?.includes('@')) keys.push({ kind: 'email', value });
    if (channel.type === 'PHONE' && value?.startsWith('+')) keys.push({ kind: 'phone', value });
  }
  return uniqueBy(keys, (key) => `${key.kind}:${key.value}`);
}

/**
 * The same person's records in the other configured sources. Records A and B are linked when they share a canonical
 * key (a lowercased email, or an E.164 phone with its extension if any) by which each source finds its own record: B
 * is among B's source's records for the key, and A among A's. The rule is symmetric by construction, so A lists B
 * exactly when B lists A, whatever each source's search can or cannot find: a search that matches more loosely than
 * the key (Backside's find-by-channel by digits, Intercom's contains-search on emails) adds nothing unless the found
 * record's own keys hold the key, and a record its own source cannot find by the key (Backside answers one record
 * per value; Intercom's search lags new contacts, and finds phones only in the spellings it is asked for) is linked
 * to no one by that key, from either side.
 */
export async function linkedContacts(sources: Sources, contact: Contact): Promise<Contact[]> {
  const keys = await identityKeys(sources, contact);
  if (keys.length === 0) return [];
  const others = sources.configured().filter((source) => source !== contact.source);
  const own = sources.of(contact);
  const linked = await Promise.all(
    others.flatMap((source) =>
      keys.map(async (key) => {
        const found = await sources.get(source).findByIdentity(key);
        if (found.length === 0) return [];
        // This record must be what its own source answers for the key, as the other side would ask it.
        const ownAnswer = await own.findByIdentity(key);
        if (!ownAnswer.some((record) => recordKey(record) === recordKey(contact))) return [];
        const checked = await Promise.all(
          found.map(async (candidate) => {
            const theirs = await identityKeys(sources, candidate);
            return theirs.some((k) => k.kind === key.kind && k.value === key.value) ? [candidate] : [];
          }),
        );
        return checked.flat();
      }),
    ),
  );
  return uniqueBy(linked.flat(), recordKey);
}

/**
 * Every record with that canonical email or phone (E.164, `;ext=` for an extension) across sources, and what they say
 * together; null for nobody. A record counts only when its own channels hold the key. A source that fails is told to
 * `onFailure` and left out, so the person is still what the other sources know; without `onFailure` it is thrown.
 */
export async function findPerson(
  sources: Sources,
  key: IdentityKey,
  onFailure?: (error: GatewayError) => void,
): Promise<Person | null> {
  const found = await Promise.all(
    sources.configured().map((source) =>
      sources
        .get(source)
        .findByIdentity(key)
        .catch((error: unknown) => {
          if (!(error instanceof GatewayError) || !error.source || !onFailure) throw error;
          onFailure(error);
          return [];
        }),
    ),
  );
  const contacts = uniqueBy(found.flat(), recordKey);
  if (contacts.length === 0) return null;
  // A source whose search matches more loosely than the key (by digits, by contains) may answer a record whose own
  // keys do not hold it: that record is someone else.
  const holders = (
    await Promise.all(contacts.map(async (contact) => ({ contact, keys: await identityKeys(sources, contact) })))
  ).filter((holder) => holder.keys.some((k) => k.kind === key.kind && k.value === key.value));
  if (holders.length === 0) return null;
  const details = await Promise.all(
    holders.map(async ({ contact, keys }) => {
      const connector = sources.of(contact);
      const [full, tags, companies] = await Promise.all([
        connector.complete(contact),
        connector.tags(contact),
        connector.companies(contact),
      ]);
      return { full, keys, tags, companies };
    }),
  );
  const keys = details.flatMap((detail) => detail.keys);
  const valuesOf = (kind: IdentityKey['kind']) => [
    ...new Set([...(key.kind === kind ? [key.value] : []), ...keys.filter((k) => k.kind === kind).map((k) => k.value)]),
  ];
  return {
    key: key.value,
    displayName: details.find((detail) => detail.full.named)?.full.displayName ?? key.value,
    emails: valuesOf('email'),
    phones: valuesOf('phone'),
    contacts: details.map((detail) => detail.full),
    tags: uniqueBy(
      details.flatMap((detail) => detail.tags),
      recordKey,
    ),
    companies: uniqueBy(
      details.flatMap((detail) => detail.companies),
      recordKey,
    ),
  };
}
