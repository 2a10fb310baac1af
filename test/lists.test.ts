// One list across sources behind one cursor, filters pushed down to each source's search, and the same person in both.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SHARED_PEOPLE } from '../src/demo/index.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.reset());

const key = (node: { source: string; sourceId: string }) => `${node.source}:${node.sourceId}`;

function backsideA(): BacksideContact[] {
  const tenant = stack.upstreams.seed.backside.tenants[0]?.id;
  return stack.upstreams.seed.backside.contacts.filter((c) => c.tenant_id === tenant);
}

/** Intercom contacts a list or search can return. */
function intercomListed(search = false): IntercomContact[] {
  const { contacts, archived, searchLag } = stack.upstreams.seed.intercom;
  return contacts.filter((c) => !archived.includes(c.id) && !(search && searchLag.includes(c.id)));
}

async function walkAll(first: number, args = '') {
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const response: any = await stack.query(
      `query($after: String) { contacts(first: ${first}, after: $after ${args}) { nodes { source sourceId } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    expect(response.errors).toBeUndefined();
    seen.push(...response.data.contacts.nodes.map(key));
    pages += 1;
    if (!response.data.contacts.pageInfo.hasNextPage) break;
    after = response.data.contacts.pageInfo.endCursor;
    expect(pages).toBeLessThan(200);
  }
  return { seen, pages };
}

describe('one list across sources', () => {
  it('walks every record of both sources exactly once at first: 100', async () => {
    const { seen, pages } = await walkAll(100);
    const expected = [
      ...backsideA().map((c) => `BACKSIDE:${c.id}`),
      ...intercomListed().map((c) => `INTERCOM:${c.id}`),
    ];
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
    const calls = stack.calls();
    console.info(
      `[calls] full walk of the demo data at first: 100: ${pages} pages, Backside ${calls.backside}, Intercom ${calls.intercom}`,
    );
    expect(calls).toEqual({ backside: Math.ceil(backsideA().length / 100), intercom: 2 });
  });

  it('returns the same records at first: 7, across the source boundary', async () => {
    const { seen } = await walkAll(7);
    expect(seen).toHaveLength(backsideA().length + intercomListed().length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers BAD_USER_INPUT without an upstream call for first outside 1..100, a bad cursor, or another list’s cursor', async () => {
    const page: any = await stack.query('{ contacts(first: 2, sources: [INTERCOM]) { pageInfo { endCursor } } }');
    const cursor = page.data.contacts.pageInfo.endCursor;
    stack.reset();
    for (const [query, variables] of [
      ['{ contacts(first: 0) { nodes { id } } }', {}],
      ['{ contacts(first: 101) { nodes { id } } }', {}],
      ['query($a: String) { contacts(after: $a) { nodes { id } } }', { a: 'garbage' }],
      [
        'query($a: String) { contacts(after: $a, sources: [INTERCOM], filter: { tag: "VIP" }) { nodes { id } } }',
        { a: cursor },
      ],
      ['query($a: String) { contacts(after: $a, sources: [BACKSIDE]) { nodes { id } } }', { a: cursor }],
      ['{ contacts(filter: { email: "not an email" }) { nodes { id } } }', {}],
      ['{ contacts(filter: { phone: "12" }) { nodes { id } } }', {}],
    ] as const) {
      const response = await stack.query(query, variables);
      expect(response.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
    }
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });
});

describe('filters, pushed down to each source', () => {
  async function filtered(filter: string) {
    stack.reset();
    const { seen } = await walkAll(100, `, filter: ${filter}`);
    return new Set(seen);
  }
  const paths = (calls: { method: string; path: string }[]) =>
    new Set(calls.map((c) => `${c.method} ${c.path.replace(/\/[0-9a-f-]{20,}/g, '/{id}')}`));

  it('query: free text through Backside q and Intercom contains-search', async () => {
    const found = await filtered('{ query: "lovelace" }');
    const ada = SHARED_PEOPLE[0];
    const expected = [
      ...backsideA()
        .filter((c) => c.family_name === ada?.family)
        .map((c) => `BACKSIDE:${c.id}`),
      ...intercomListed(true)
        .filter((c) => c.name?.includes('Lovelace'))
        .map((c) => `INTERCOM:${c.id}`),
    ];
    expect(found).toEqual(new Set(expected));
    expect(expected).toHaveLength(2);
    expect(paths(stack.upstreams.intercom.calls)).toEqual(new Set(['POST /contacts/search']));
    expect(stack.upstreams.backside.calls[0]?.query.q).toBe('lovelace');
  });

  it('email: compared trimmed and lowercased, in both sources', async () => {
    const found = await filtered('{ email: "  ADA.lovelace@EXAMPLE.com " }');
    expect([...found].map((k) => k.split(':')[0]).sort()).toEqual(['BACKSIDE', 'INTERCOM']);
    expect(paths(stack.upstreams.backside.calls)).toEqual(
      new Set(['GET /api/v1/contacts/find-by-channel', 'GET /api/v1/contacts/{id}']),
    );
    expect(paths(stack.upstreams.intercom.calls)).toEqual(new Set(['POST /contacts/search']));
  });

  it('phone: a national number matches E.164 in Backside and the typed spelling in Intercom', async () => {
    const found = await filtered('{ phone: "(415) 555-0134" }');
    const intercomAda = intercomListed(true).find((c) => c.name === 'Ada Lovelace') as IntercomContact;
    expect(found.has(`INTERCOM:${intercomAda.id}`)).toBe(true);
    expect([...found].map((k) => k.split(':')[0]).sort()).toEqual(['BACKSIDE', 'INTERCOM']);
    expect(stack.upstreams.backside.calls[0]?.query).toEqual({ type: 'phone', value: '+14155550134' });
  });

  it('tag: a name, resolved to Intercom’s tag id first; Backside by name', async () => {
    const found = await filtered('{ tag: "vip" }');
    const { tags, contactTags } = stack.upstreams.seed.intercom;
    const vipId = tags.find((t) => t.name === 'VIP')?.id as string;
    const expected = [
      ...backsideA()
        .filter((c) => c.tags?.some((t) => t.name === 'vip'))
        .map((c) => `BACKSIDE:${c.id}`),
      ...intercomListed(true)
        .filter((c) => contactTags[c.id]?.includes(vipId))
        .map((c) => `INTERCOM:${c.id}`),
    ];
    expect(found).toEqual(new Set(expected));
    expect(expected.length).toBeGreaterThan(4);
    const search = stack.upstreams.intercom.calls.find((c) => c.path === '/contacts/search');
    expect(search?.body).toMatchObject({ query: { field: 'tag_id', operator: '=', value: vipId } });
    expect(stack.upstreams.intercom.count({ path: '/tags' })).toBe(1);
  });

  it('an unknown tag costs Intercom no search', async () => {
    const found = await filtered('{ tag: "no-such-tag" }');
    expect(found.size).toBe(0);
    expect(stack.upstreams.intercom.count({ path: '/contacts/search' })).toBe(0);
  });

  it('updatedAfter: exact, although Intercom compares whole days and Backside cannot search by it', async () => {
    const all = [
      ...backsideA().map((c) => Date.parse(c.updated_at as string) / 1000),
      ...intercomListed(true).map((c) => c.updated_at),
    ].sort();
    const pivot = (all[Math.floor(all.length / 2)] as number) + 1;
    const found = await filtered(`{ updatedAfter: "${new Date(pivot * 1000).toISOString()}" }`);
    const expected = [
      ...backsideA()
        .filter((c) => Date.parse(c.updated_at as string) / 1000 > pivot)
        .map((c) => `BACKSIDE:${c.id}`),
      ...intercomListed(true)
        .filter((c) => c.updated_at > pivot)
        .map((c) => `INTERCOM:${c.id}`),
    ];
    expect(found).toEqual(new Set(expected));
    const search = stack.upstreams.intercom.calls.find((c) => c.path === '/contacts/search');
    expect(search?.body).toMatchObject({ query: { field: 'updated_at', operator: '>', value: pivot - 86_400 } });
  });

  it('combines fields with AND', async () => {
    const found = await filtered('{ query: "a", tag: "VIP" }');
    const vip = await filtered('{ tag: "VIP" }');
    expect([...found].every((k) => vip.has(k))).toBe(true);
    expect(found.size).toBeLessThanOrEqual(vip.size);
  });
});

describe('the same person in both sources', () => {
  it('person(email:) finds every record, whatever the case and white space', async () => {
    const response: any = await stack.query(`{ person(email: " Ada.Lovelace@Example.com") {
      key displayName emails phones contacts { source sourceId } tags { name } companies { name }
    } }`);
    expect(response.errors).toBeUndefined();
    const person = response.data.person;
    expect(person).toMatchObject({ key: 'ada.lovelace@example.com', displayName: 'Ada Lovelace' });
    expect(person.contacts.map((c: { source: string }) => c.source).sort()).toEqual(['BACKSIDE', 'INTERCOM']);
    expect(person.emails).toEqual(['ada.lovelace@example.com']);
    expect(person.phones).toEqual(['+14155550134']);
    expect(person.tags.length + person.companies.length).toBeGreaterThan(0);
  });

  it('person(phone:) links a national number to E.164', async () => {
    const response: any = await stack.query('{ person(phone: "617-555-0199") { key contacts { source } } }');
    expect(response.data.person.key).toBe('+16175550199');
    expect(response.data.person.contacts.map((c: { source: string }) => c.source).sort()).toEqual([
      'BACKSIDE',
      'INTERCOM',
    ]);
  });

  it('person is null for nobody, and asks for exactly one of email or phone', async () => {
    expect((await stack.query('{ person(email: "nobody@nowhere.example") { key } }')).data).toEqual({ person: null });
    const both = await stack.query('{ person(email: "a@b.example", phone: "+14155550134") { key } }');
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('linkedContacts of a 20-contact Backside page: one Intercom search for the whole page', async () => {
    const first: any = await stack.query('{ contacts(first: 50, sources: [BACKSIDE]) { pageInfo { endCursor } } }');
    stack.reset();
    const response: any = await stack.query(
      'query($after: String) { contacts(first: 20, sources: [BACKSIDE], after: $after) { nodes { displayName linkedContacts { source sourceId displayName } } } }',
      { after: first.data.contacts.pageInfo.endCursor },
    );
    expect(response.errors).toBeUndefined();
    const nodes = response.data.contacts.nodes as {
      displayName: string;
      linkedContacts: { source: string; displayName: string }[];
    }[];
    expect(nodes).toHaveLength(20);
    for (const shared of SHARED_PEOPLE) {
      const node = nodes.find((n) => n.displayName === `${shared.given} ${shared.family}`);
      expect(
        node?.linkedContacts.map((c) => `${c.source} ${c.displayName}`),
        shared.family,
      ).toEqual([`INTERCOM ${shared.given} ${shared.family}`]);
    }
    expect(stack.upstreams.intercom.count({ path: '/contacts/search' })).toBe(1);
    console.info(
      `[calls] 20-contact Backside page with linkedContacts: Backside ${stack.calls().backside}, Intercom ${stack.calls().intercom}`,
    );
  });

  it('linkedContacts of an Intercom page: Backside, which cannot search many values at once, once per distinct value', async () => {
    const first: any = await stack.query('{ contacts(first: 45, sources: [INTERCOM]) { pageInfo { endCursor } } }');
    stack.reset();
    const response: any = await stack.query(
      'query($after: String) { contacts(first: 13, sources: [INTERCOM], after: $after) { nodes { displayName email phone channels { type canonicalValue } linkedContacts { source displayName } } } }',
      { after: first.data.contacts.pageInfo.endCursor },
    );
    expect(response.errors).toBeUndefined();
    const nodes = response.data.contacts.nodes as any[];
    const ada = nodes.find((n) => n.displayName === 'Ada Lovelace');
    expect(ada.linkedContacts).toEqual([{ source: 'BACKSIDE', displayName: 'Ada Lovelace' }]);
    const distinct = new Set(
      nodes.flatMap((n) =>
        n.channels
          .filter(
            (c: any) =>
              c.canonicalValue &&
              (c.type === 'EMAIL' ? c.canonicalValue.includes('@') : c.canonicalValue.startsWith('+')),
          )
          .map((c: any) => c.canonicalValue),
      ),
    );
    expect(stack.upstreams.backside.count({ path: '/api/v1/contacts/find-by-channel' })).toBe(distinct.size);
    console.info(
      `[calls] 13-contact Intercom page with linkedContacts: Backside ${stack.calls().backside} (distinct values ${distinct.size}), Intercom ${stack.calls().intercom}`,
    );
  });
});
