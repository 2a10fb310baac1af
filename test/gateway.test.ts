// The real gateway over the loopback fakes: every contract field of one contact per source, the upstream call counts
// of a 20-contact page, misses, merged and lagging Intercom contacts, has_more lists, and unconfigured sources.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import { CONTACT_FIELDS, type Stack, startStack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.reset());

const iso = (unix: number) => new Date(unix * 1000).toISOString();
const byPath = (stackCalls: { method: string; path: string }[]) => {
  const counts: Record<string, number> = {};
  for (const call of stackCalls) {
    const key = `${call.method} ${call.path
      .replace(/\/[0-9a-f-]{8,}(?=\/|$)/gi, '/{id}')
      .replace(/\/contacts\/(?!search$)[^/]+(?=\/|$)/, '/contacts/{id}')
      .replace(/\/companies\/[^/]+$/, '/companies/{id}')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

function backsideTenantA(): BacksideContact[] {
  const tenant = stack.upstreams.seed.backside.tenants[0]?.id;
  return stack.upstreams.seed.backside.contacts.filter((contact) => contact.tenant_id === tenant);
}

describe('one contact of each source, every contract field', () => {
  it('maps a Backside person with addresses, channels, affiliations, dates and tags', async () => {
    const raw = backsideTenantA().find(
      (c) =>
        c.kind === 'person' &&
        !c.deleted_at &&
        (c.addresses?.length ?? 0) > 0 &&
        (c.affiliations?.length ?? 0) > 0 &&
        (c.dates?.length ?? 0) > 0 &&
        (c.tags?.length ?? 0) > 0 &&
        c.display_name,
    ) as BacksideContact;
    expect(raw).toBeDefined();
    const { data, errors } = await stack.query(
      `query($id: String!) { contactBySourceId(source: BACKSIDE, sourceId: $id) { ${CONTACT_FIELDS} } }`,
      { id: raw.id },
    );
    expect(errors).toBeUndefined();
    const contact = data?.contactBySourceId;
    const primaryEmail =
      raw.channels?.find((ch) => ch.type === 'email' && ch.is_primary) ??
      raw.channels?.find((ch) => ch.type === 'email');
    expect(contact).toMatchObject({
      source: 'BACKSIDE',
      sourceId: raw.id,
      kind: 'PERSON',
      role: null,
      displayName: raw.display_name,
      givenName: raw.given_name ?? null,
      familyName: raw.family_name ?? null,
      email: (primaryEmail?.canonical_value ?? primaryEmail?.value)?.trim().toLowerCase() ?? null,
      externalId: raw.vcard_uid ?? null,
      createdAt: new Date(raw.created_at as string).toISOString(),
      customAttributes: raw.metadata ?? {},
    });
    expect(contact.addresses).toHaveLength(raw.addresses?.length ?? 0);
    expect(contact.addresses[0]).toMatchObject({ id: raw.addresses?.[0]?.id, city: raw.addresses?.[0]?.city ?? null });
    expect(contact.channels.map((ch: { value: string }) => ch.value).sort()).toEqual(
      (raw.channels ?? []).map((ch) => ch.value).sort(),
    );
    expect(contact.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(
      (raw.tags ?? []).map((tag) => tag.name).sort(),
    );
    const orgs = stack.upstreams.seed.backside.contacts;
    const orgNames = (raw.affiliations ?? []).map(
      (aff) => orgs.find((org) => org.id === aff.organization_id)?.display_name,
    );
    expect(contact.affiliations.map((aff: { company: { name: string } }) => aff.company.name)).toEqual(orgNames);
    expect(contact.affiliations[0]).toMatchObject({
      title: raw.affiliations?.[0]?.title ?? null,
      isCurrent: raw.affiliations?.[0]?.is_current === true,
      startDate: raw.affiliations?.[0]?.start_date ?? null,
    });
    expect(contact.companies.map((company: { name: string }) => company.name).sort()).toEqual(
      [...new Set(orgNames)].sort(),
    );
    expect(contact.dates).toHaveLength(raw.dates?.length ?? 0);
    expect(contact.dates[0]).toMatchObject({
      day: raw.dates?.[0]?.date_day ?? null,
      month: raw.dates?.[0]?.date_month ?? null,
    });
    expect(contact.notes).toEqual([]);
    // One GET for the contact, one per distinct organization: nothing else.
    expect(stack.upstreams.backside.calls).toHaveLength(
      1 + new Set(raw.affiliations?.map((aff) => aff.organization_id)).size,
    );
    expect(stack.upstreams.intercom.calls).toHaveLength(0);
  });

  it('maps an Intercom contact with tags, companies and notes, converting unix seconds', async () => {
    const seed = stack.upstreams.seed.intercom;
    const raw = seed.contacts.find(
      (c) =>
        c.name &&
        c.location?.city &&
        (c.tags?.data.length ?? 0) > 0 &&
        !c.tags?.has_more &&
        (c.companies?.data.length ?? 0) > 0 &&
        !c.companies?.has_more &&
        (c.notes?.data.length ?? 0) > 0 &&
        !seed.searchLag.includes(c.id),
    ) as IntercomContact;
    expect(raw).toBeDefined();
    const { data, errors } = await stack.query(
      `query($id: String!) { contactBySourceId(source: INTERCOM, sourceId: $id) { ${CONTACT_FIELDS} } }`,
      { id: raw.id },
    );
    expect(errors).toBeUndefined();
    const contact = data?.contactBySourceId;
    expect(contact).toMatchObject({
      source: 'INTERCOM',
      sourceId: raw.id,
      kind: 'PERSON',
      role: raw.role === 'lead' ? 'LEAD' : 'USER',
      displayName: raw.name,
      createdAt: iso(raw.created_at),
      updatedAt: iso(raw.updated_at),
      externalId: raw.external_id ?? null,
      customAttributes: raw.custom_attributes ?? {},
    });
    expect(contact.addresses[0]).toMatchObject({ city: raw.location?.city, isPrimary: true });
    const tagNames = (seed.contactTags[raw.id] ?? []).map((id) => seed.tags.find((tag) => tag.id === id)?.name);
    expect(contact.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(tagNames.sort());
    const companyNames = (seed.contactCompanies[raw.id] ?? []).map(
      (id) => seed.companies.find((co) => co.id === id)?.name,
    );
    expect(contact.companies.map((co: { name: string }) => co.name).sort()).toEqual(companyNames.sort());
    expect(contact.affiliations).toHaveLength(companyNames.length);
    const notes = seed.notes.filter((note) => note.contact?.id === raw.id);
    expect(contact.notes).toHaveLength(Math.min(notes.length, 20));
    for (const note of contact.notes) {
      expect(note.text).not.toMatch(/<[a-z]|&amp;/);
      expect(note.body).toMatch(/</);
    }
    // One GET for the contact (a lone id needs no search), one tag list, one note list, one GET per company.
    expect(byPath(stack.upstreams.intercom.calls)).toEqual({
      'GET /contacts/{id}': 1,
      'GET /tags': 1,
      'GET /contacts/{id}/notes': 1,
      'GET /companies/{id}': companyNames.length,
    });
  });

  it('answers null without an error for a plain miss, in both sources', async () => {
    const { data, errors } = await stack.query(`{
      a: contactBySourceId(source: BACKSIDE, sourceId: "00000000-0000-4000-8000-000000000000") { id }
      b: contactBySourceId(source: INTERCOM, sourceId: "ffffffffffffffffffffffff") { id }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null });
  });

  it('reads a contact again by its global id through contact and node', async () => {
    const first = await stack.query('{ contacts(first: 1, sources: [INTERCOM]) { nodes { id sourceId } } }');
    const { id, sourceId } = first.data?.contacts.nodes[0] ?? {};
    const again = await stack.query(
      'query($id: ID!) { contact(id: $id) { sourceId } node(id: $id) { id ... on Contact { sourceId } } }',
      { id },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual({ contact: { sourceId }, node: { id, sourceId } });
  });

  it('rejects an id it did not give out as BAD_USER_INPUT without calling upstream', async () => {
    const { data, errors } = await stack.query('{ contact(id: "bm9wZQ") { id } }');
    expect(data?.contact ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });
});

describe('Intercom quirks', () => {
  it('follows a merged contact (410) to the canonical record', async () => {
    const [mergedId, canonicalId] = Object.entries(stack.upstreams.seed.intercom.merged)[0] as [string, string];
    const { data, errors } = await stack.query(
      `query($id: String!) { contactBySourceId(source: INTERCOM, sourceId: $id) { sourceId } }`,
      { id: mergedId },
    );
    expect(errors).toBeUndefined();
    expect(data?.contactBySourceId.sourceId).toBe(canonicalId);
  });

  it('batches ids into one search and falls back to GET for the ones search has not indexed yet', async () => {
    const seed = stack.upstreams.seed.intercom;
    const lagging = seed.searchLag[0] as string;
    const others = seed.contacts
      .filter((c) => !seed.searchLag.includes(c.id) && !seed.archived.includes(c.id))
      .slice(0, 4)
      .map((c) => c.id);
    const ids = [...others, lagging].map((id) => Buffer.from(`Contact:INTERCOM:${id}`).toString('base64url'));
    const { data, errors } = await stack.query(
      'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { sourceId } } }',
      { ids },
    );
    expect(errors).toBeUndefined();
    expect(data?.nodes.map((node: { sourceId: string }) => node.sourceId)).toEqual([...others, lagging]);
    expect(byPath(stack.upstreams.intercom.calls)).toEqual({ 'POST /contacts/search': 1, 'GET /contacts/{id}': 1 });
  });

  it('follows has_more inline lists through the sub-list endpoints', async () => {
    const seed = stack.upstreams.seed.intercom;
    const manyTags = seed.contacts.find((c) => c.tags?.has_more) as IntercomContact;
    const manyCompanies = seed.contacts.find((c) => c.companies?.has_more) as IntercomContact;
    const manyNotes = seed.contacts.find((c) => c.notes?.has_more) as IntercomContact;
    const query = `query($t: String!, $c: String!, $n: String!) {
      t: contactBySourceId(source: INTERCOM, sourceId: $t) { tags { name } }
      c: contactBySourceId(source: INTERCOM, sourceId: $c) { companies { name } }
      n: contactBySourceId(source: INTERCOM, sourceId: $n) { notes(first: 100) { text } }
    }`;
    const { data, errors } = await stack.query(query, { t: manyTags.id, c: manyCompanies.id, n: manyNotes.id });
    expect(errors).toBeUndefined();
    expect(data?.t.tags).toHaveLength(seed.contactTags[manyTags.id]?.length as number);
    expect(data?.t.tags.length).toBeGreaterThan(10);
    expect(data?.c.companies).toHaveLength(seed.contactCompanies[manyCompanies.id]?.length as number);
    expect(data?.c.companies.length).toBeGreaterThan(10);
    expect(data?.n.notes).toHaveLength(seed.notes.filter((note) => note.contact?.id === manyNotes.id).length);
    expect(data?.n.notes.length).toBeGreaterThan(10);
  });

  it('sends the pinned Intercom-Version and each source its own credential', async () => {
    await stack.query(
      '{ b: contacts(first: 2, sources: [BACKSIDE]) { nodes { id } } i: contacts(first: 2, sources: [INTERCOM]) { nodes { id } } }',
    );
    const intercomCall = stack.upstreams.intercom.calls[0];
    expect(intercomCall?.headers['intercom-version']).toBe('2.16');
    expect(intercomCall?.headers.authorization).toBe('Bearer ic_test_demo');
    expect(stack.upstreams.backside.calls[0]?.headers.authorization).toBe('Bearer bsk_test_demo');
  });
});

describe('upstream call counts of a 20-contact page with every child field', () => {
  // A gateway of its own: the tag list is cached per gateway, and these counts start cold.
  beforeAll(async () => {
    await stack.close();
    stack = await startStack();
  });
  const page = (source: string) => `{ contacts(first: 20, sources: [${source}]) { nodes { ${CONTACT_FIELDS} } } }`;

  it('Backside: one list, one GET per contact, one per distinct organization not already loaded', async () => {
    const { data, errors } = await stack.query(page('BACKSIDE'));
    expect(errors).toBeUndefined();
    const listed: string[] = data?.contacts.nodes.map((node: { sourceId: string }) => node.sourceId);
    expect(listed).toHaveLength(20);
    const seed = stack.upstreams.seed.backside.contacts;
    const orgIds = new Set(
      listed.flatMap((id) => seed.find((c) => c.id === id)?.affiliations?.map((a) => a.organization_id) ?? []),
    );
    const extraOrgs = [...orgIds].filter((id) => !listed.includes(id)).length;
    expect(byPath(stack.upstreams.backside.calls)).toEqual({
      'GET /api/v1/contacts': 1,
      'GET /api/v1/contacts/{id}': 20 + extraOrgs,
    });
    console.info(
      `[calls] Backside 20-contact page, every child field: ${stack.upstreams.backside.calls.length}`,
      byPath(stack.upstreams.backside.calls),
    );
  });

  it('Intercom: one list, one tag list, one GET per distinct company, one note list per contact with notes', async () => {
    const { data, errors } = await stack.query(page('INTERCOM'));
    expect(errors).toBeUndefined();
    const seed = stack.upstreams.seed.intercom;
    const listed = ((data?.contacts.nodes ?? []) as { sourceId: string }[]).map(
      (node) => seed.contacts.find((c) => c.id === node.sourceId) as IntercomContact,
    );
    expect(listed).toHaveLength(20);
    const companyIds = new Set(
      listed.filter((c) => !c.companies?.has_more).flatMap((c) => c.companies?.data.map((ref) => ref.id) ?? []),
    );
    const expected: Record<string, number> = {
      'GET /contacts': 1,
      'GET /tags': 1,
      'GET /companies/{id}': companyIds.size,
      'GET /contacts/{id}/notes': listed.filter((c) => (c.notes?.data.length ?? 0) > 0 || c.notes?.has_more).length,
      'GET /contacts/{id}/tags': listed.filter((c) => c.tags?.has_more).length,
      'GET /contacts/{id}/companies': listed.filter((c) => c.companies?.has_more).length,
    };
    for (const key of Object.keys(expected)) if (expected[key] === 0) delete expected[key];
    expect(byPath(stack.upstreams.intercom.calls)).toEqual(expected);
    console.info(
      `[calls] Intercom 20-contact page, every child field: ${stack.upstreams.intercom.calls.length}`,
      byPath(stack.upstreams.intercom.calls),
    );
  });

  it('asking for the same children twice costs nothing more', async () => {
    const once = `{ contacts(first: 20) { nodes { tags { name } companies { name } notes { text } channels { value } } } }`;
    const twice = `{ contacts(first: 20) { nodes {
      tags { name } again: tags { id } companies { name } more: companies { id } notes { text } n2: notes(first: 1) { id }
      channels { value } c2: channels(types: [EMAIL]) { value } affiliations { company { name } }
    } } }`;
    await stack.query(once);
    const single = stack.calls();
    stack.reset();
    const { errors } = await stack.query(twice);
    expect(errors).toBeUndefined();
    expect(stack.calls()).toEqual(single);
  });
});

describe('a gateway with one source configured', () => {
  let intercomOnly: Stack;
  beforeAll(async () => {
    intercomOnly = await startStack({ sources: ['INTERCOM'] });
  });
  afterAll(() => intercomOnly.close());

  it('says which sources are configured and refuses the other with SOURCE_NOT_CONFIGURED', async () => {
    const { data } = await intercomOnly.query('{ sources { source configured } }');
    expect(data?.sources).toEqual([
      { source: 'BACKSIDE', configured: false },
      { source: 'INTERCOM', configured: true },
    ]);
    const missing = await intercomOnly.query('{ contactBySourceId(source: BACKSIDE, sourceId: "x") { id } }');
    expect(missing.errors?.[0]?.extensions).toEqual({
      code: 'SOURCE_NOT_CONFIGURED',
      source: 'BACKSIDE',
      requestId: expect.any(String),
    });
    const list = await intercomOnly.query('{ contacts(first: 3, sources: [BACKSIDE]) { nodes { id } } }');
    expect(list.errors?.[0]?.extensions?.code).toBe('SOURCE_NOT_CONFIGURED');
    const all = await intercomOnly.query('{ contacts(first: 3) { nodes { source } } }');
    expect(all.data?.contacts.nodes).toEqual([{ source: 'INTERCOM' }, { source: 'INTERCOM' }, { source: 'INTERCOM' }]);
    expect(intercomOnly.upstreams.backside.calls).toHaveLength(0);
  });
});

describe('documents of several operations', () => {
  // graphql-jit compiles a document once it comes again, and keeps one compiled query per document: the operation
  // named must still be the one that runs, however often and in whatever order the document's operations are asked.
  it('runs the operation named, every time, in any order', async () => {
    const query = 'query A { sources { source } } query B { __typename }';
    const ask = async (operationName: string) => {
      const response = await stack.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, operationName }),
      });
      return ((await response.json()) as { data: Record<string, unknown> }).data;
    };
    for (const name of ['A', 'B', 'B', 'A', 'A', 'B', 'A']) {
      const data = await ask(name);
      expect(Object.keys(data), name).toEqual(name === 'A' ? ['sources'] : ['__typename']);
    }
  });
});
