// The same person across sources: records linked by a canonical email or E.164 phone.
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

/** The canonical emails and phones of a contact, from all its channels. */
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

/** The same person's records in the other configured sources. */
export async function linkedContacts(sources: Sources, contact: Contact): Promise<Contact[]> {
  const keys = await identityKeys(sources, contact);
  if (keys.length === 0) return [];
  const others = sources.configured().filter((source) => source !== contact.source);
  const found = await Promise.all(
    others.flatMap((source) => keys.map((key) => sources.get(source).findByIdentity(key))),
  );
  return uniqueBy(found.flat(), recordKey);
}

/** Every record with that canonical email or phone across sources, and what they say together; null for nobody. */
export async function findPerson(sources: Sources, key: IdentityKey): Promise<Person | null> {
  const found = await Promise.all(sources.configured().map((source) => sources.get(source).findByIdentity(key)));
  const contacts = uniqueBy(found.flat(), recordKey);
  if (contacts.length === 0) return null;
  const details = await Promise.all(
    contacts.map(async (contact) => {
      const connector = sources.of(contact);
      const [full, keys, tags, companies] = await Promise.all([
        connector.complete(contact),
        identityKeys(sources, contact),
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
