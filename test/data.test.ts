// Messy real-world upstream data through the real gateway and the loopback fakes: timestamps in the wrong unit or
// without an offset, values the output scalars reject, phones in national form, after a call prefix or with an
// extension, linking that must be symmetric, and JSON nested thousands deep. Each test names what a caller gets.
import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import fc from 'fast-check';
import { GraphQLInt, type GraphQLScalarType } from 'graphql';
import {
  CountryCodeResolver,
  DateTimeResolver,
  JSONObjectResolver,
  LatitudeResolver,
  LocalDateResolver,
  LongitudeResolver,
  URLResolver,
} from 'graphql-scalars';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../src/demo/index.js';
import { schema } from '../src/schema/index.js';
import { UnrepresentableValue } from '../src/schema/scalars.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import { IntercomConnector } from '../src/upstream/intercom/connector.js';
import type { IntercomCompany, IntercomContact } from '../src/upstream/intercom/types.js';
import {
  addressCountry,
  canonicalPhone,
  countryCode,
  countryFromName,
  dateFromParts,
  httpUrl,
  integer,
  jsonObject,
  latitude,
  localDate,
  longitude,
  MAX_JSON_DEPTH,
  timestamp,
  unixSeconds,
} from '../src/values.js';
import { CONTACT_FIELDS, type Stack, startStack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<Stack> {
  stack = await startStack();
  return stack;
}

/**
 * Edits the text of the fake's own answers to matching requests before it is sent: the answer stays the upstream's
 * real format, with something JSON.stringify cannot write (1e400, nesting 100,000 deep) spliced in.
 */
function rewrite(fake: FakeUpstream, match: (req: IncomingMessage) => boolean, edit: (body: string) => string) {
  return fake.use((req, res) => {
    if (!match(req)) return false;
    const writeHead = res.writeHead.bind(res) as (status: number, headers?: Record<string, unknown>) => unknown;
    res.writeHead = ((status: number, headers: Record<string, unknown> = {}) => {
      const { 'content-length': _length, ...rest } = headers;
      return writeHead(status, rest);
    }) as unknown as typeof res.writeHead;
    const end = res.end.bind(res) as (chunk: string) => unknown;
    res.end = ((chunk: string) => end(edit(String(chunk)))) as unknown as typeof res.end;
    return false;
  });
}

/** `{"a":{"a":…{"a":1}}}` with `levels` objects, as text (JSON.stringify would overflow the stack writing it). */
const nestedText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** How many objects deep `value` nests along `a`, and what the deepest `a` holds. */
function walkDepth(value: unknown): { levels: number; leaf: unknown } {
  let levels = 0;
  let current = value;
  while (typeof current === 'object' && current !== null) {
    levels += 1;
    current = (current as { a?: unknown }).a;
  }
  return { levels, leaf: current };
}

const intercomContacts = (s: Stack) => s.upstreams.seed.intercom.contacts;
const backsideContacts = (s: Stack) => s.upstreams.seed.backside.contacts;

const PAGE = `{ contacts(first: 50, sources: [INTERCOM]) {
  nodes { sourceId displayName email createdAt updatedAt lastSeenAt customAttributes
          addresses { country countryCode city formatted } } } }`;

// ------------------------------------------------------------------------------------------------------- item 9

describe('timestamps: the unit a number plausibly is, offset-less strings in UTC', () => {
  it('reads Intercom seconds fields written in milliseconds or microseconds as those units, not the year 56450', async () => {
    const s = await start();
    const target = intercomContacts(s)[20] as IntercomContact;
    target.last_seen_at = 1719239678000; // milliseconds
    target.created_at = 1719239000000; // milliseconds
    target.updated_at = 1719239678000000; // microseconds
    const response: any = await s.query(PAGE);
    expect(response.errors).toBeUndefined();
    expect(response.data.contacts.nodes).toHaveLength(50);
    const node = response.data.contacts.nodes.find((n: any) => n.sourceId === target.id);
    expect(node).toMatchObject({
      lastSeenAt: '2024-06-24T14:34:38.000Z',
      createdAt: '2024-06-24T14:23:20.000Z',
      updatedAt: '2024-06-24T14:34:38.000Z',
    });
    // The others, in seconds, are unchanged.
    const other = intercomContacts(s)[21] as IntercomContact;
    expect(response.data.contacts.nodes.find((n: any) => n.sourceId === other.id).createdAt).toBe(
      new Date(other.created_at * 1000).toISOString(),
    );
  });

  it('reads a non-finite timestamp (JSON 1e400) as null, never 1970; a required one takes the other timestamp', async () => {
    const s = await start();
    const target = intercomContacts(s)[22] as IntercomContact;
    target.created_at = 4242424242.5; // spliced into 1e400 below
    target.last_seen_at = 4242424242.5;
    rewrite(
      s.upstreams.intercom,
      (req) => req.method === 'GET' && req.url === `/contacts/${target.id}`,
      (body) => body.replaceAll('4242424242.5', '1e400'),
    );
    const response: any = await s.query(
      `{ contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { displayName email createdAt updatedAt lastSeenAt } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.contactBySourceId).toEqual({
      displayName: target.name,
      email: target.email?.trim().toLowerCase() ?? null,
      createdAt: new Date(target.updated_at * 1000).toISOString(),
      updatedAt: new Date(target.updated_at * 1000).toISOString(),
      lastSeenAt: null,
    });
  });

  it('answers UPSTREAM_BAD_RESPONSE, quoting nothing, for a record with no readable created_at or updated_at', async () => {
    const s = await start();
    const target = intercomContacts(s)[23] as IntercomContact;
    target.created_at = 4242424242.5;
    target.updated_at = 4242424242.5;
    // Two ids are read in one search: every Intercom answer is rewritten (the sentinel is in this contact only).
    rewrite(
      s.upstreams.intercom,
      () => true,
      (body) => body.replaceAll('4242424242.5', '1e400'),
    );
    const response: any = await s.query(`{
      bad: contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { createdAt }
      good: contactBySourceId(source: INTERCOM, sourceId: "${(intercomContacts(s)[24] as IntercomContact).id}") { createdAt }
    }`);
    expect(response.data.bad).toBeNull();
    expect(response.data.good.createdAt).toMatch(/^20\d\d-/);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['bad'],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM', requestId: expect.any(String) },
      }),
    ]);
    expect(JSON.stringify(response)).not.toMatch(/1e400|Infinity|1970/);
  });

  it('reads Backside timestamps that do not parse as absent, and dates past 9999 as null', async () => {
    const s = await start();
    const target = backsideContacts(s)[12] as BacksideContact;
    target.created_at = 'not a date';
    target.updated_at = '2024-06-24T12:00:00+02:00';
    target.deleted_at = '+275760-09-13T00:00:00Z';
    const response: any = await s.query(
      `{ contactBySourceId(source: BACKSIDE, sourceId: "${target.id}") { displayName createdAt updatedAt deletedAt } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.contactBySourceId).toEqual({
      displayName: target.display_name,
      createdAt: '2024-06-24T10:00:00.000Z',
      updatedAt: '2024-06-24T10:00:00.000Z',
      deletedAt: null,
    });
  });

  describe('on a host whose time zone is not UTC (America/New_York)', () => {
    let previous: string | undefined;
    beforeAll(() => {
      previous = process.env.TZ;
      process.env.TZ = 'America/New_York';
    });
    afterAll(() => {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    });

    it('reads a date-time without an offset as UTC, in the field and in updatedAfter filters', async () => {
      // The time zone took effect: JavaScript itself now reads offset-less text as New York time.
      expect(new Date('2024-06-24T12:00:00').toISOString()).toBe('2024-06-24T16:00:00.000Z');
      const s = await start();
      const target = backsideContacts(s)[14] as BacksideContact;
      target.created_at = '2024-06-20T08:00:00';
      target.updated_at = '2024-06-24T12:00:00';
      const email = (target.channels ?? []).find((c) => c.type === 'email')?.value as string;
      const one: any = await s.query(
        `{ contactBySourceId(source: BACKSIDE, sourceId: "${target.id}") { createdAt updatedAt } }`,
      );
      expect(one.data.contactBySourceId).toEqual({
        createdAt: '2024-06-20T08:00:00.000Z',
        updatedAt: '2024-06-24T12:00:00.000Z',
      });
      const ids = async (filter: string) => {
        const page: any = await s.query(
          `{ contacts(first: 100, sources: [BACKSIDE], filter: ${filter}) { nodes { sourceId updatedAt } } }`,
        );
        expect(page.errors).toBeUndefined();
        return page.data.contacts.nodes.map((n: { sourceId: string }) => n.sourceId);
      };
      // Updated at 12:00 UTC: after 11:00 UTC, not after 13:00 UTC, on every host.
      expect(await ids('{ updatedAfter: "2024-06-24T11:00:00Z" }')).toContain(target.id);
      expect(await ids('{ updatedAfter: "2024-06-24T13:00:00Z" }')).not.toContain(target.id);
      expect(await ids(`{ email: "${email}", updatedAfter: "2024-06-24T11:00:00Z" }`)).toEqual([target.id]);
      expect(await ids(`{ email: "${email}", updatedAfter: "2024-06-24T13:00:00Z" }`)).toEqual([]);
    });
  });

  it('maps the same Backside record to the same instants on hosts in UTC-7, UTC and UTC+14', () => {
    const script = `
      const { mapContact } = await import('./src/upstream/backside/mappers.ts');
      const c = mapContact({ id: 'x', kind: 'person', created_at: '2024-06-24T12:00:00', updated_at: '2024-06-24 13:30',
        deleted_at: '2024-06-25' }, { defaultRegion: 'US' });
      console.log(JSON.stringify([c.createdAt, c.updatedAt, c.deletedAt, new Date('2024-06-24T12:00:00')]));`;
    const answers = ['America/Los_Angeles', 'UTC', 'Pacific/Kiritimati'].map((tz) => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as string[];
    });
    for (const answer of answers) {
      expect(answer.slice(0, 3)).toEqual([
        '2024-06-24T12:00:00.000Z',
        '2024-06-24T13:30:00.000Z',
        '2024-06-25T00:00:00.000Z',
      ]);
    }
    // JavaScript's own reading differs between those hosts: the reason for the rule.
    expect(new Set(answers.map((answer) => answer[3])).size).toBe(3);
  });
});

// ------------------------------------------------------------------------------------------------------ item 10

describe('output scalars: a value that fails one is null without an error', () => {
  it('answers a page of 50 whose one contact is located in "EU" in full, that countryCode null', async () => {
    const s = await start();
    const target = intercomContacts(s)[20] as IntercomContact;
    target.location = {
      type: 'location',
      country: 'European Union',
      country_code: 'EU',
      region: null,
      city: 'Brussels',
    };
    const response: any = await s.query(PAGE);
    expect(response.errors).toBeUndefined();
    expect(response.data.contacts.nodes).toHaveLength(50);
    const node = response.data.contacts.nodes.find((n: any) => n.sourceId === target.id);
    expect(node.addresses).toEqual([
      { country: 'European Union', countryCode: null, city: 'Brussels', formatted: 'Brussels, European Union' },
    ]);
    expect(node.displayName).toBe(target.name);
  });

  it('lets Apollo Client (errorPolicy none) read that page', async () => {
    const s = await start();
    (intercomContacts(s)[20] as IntercomContact).location = {
      type: 'location',
      country: null,
      country_code: 'EU',
      region: null,
      city: 'Brussels',
    };
    const client = new ApolloClient({
      link: new HttpLink({
        uri: 'http://gateway.test/graphql',
        fetch: (async (url: string, init?: RequestInit) => s.gateway.fetch(url, init ?? {})) as unknown as typeof fetch,
      }),
      cache: new InMemoryCache(),
    });
    const result = await client.query<{ contacts: { nodes: unknown[] } }>({
      query: gql`
        query Page {
          contacts(first: 50, sources: [INTERCOM]) {
            nodes {
              id
              addresses {
                countryCode
              }
            }
          }
        }
      `,
    });
    expect(result.error).toBeUndefined();
    expect(result.data?.contacts.nodes).toHaveLength(50);
  });

  it('reads codes ISO 3166 reserves for a country as that country (UK is GB), names as their code, the rest null', async () => {
    const s = await start();
    const [uk, named, greece] = [30, 31, 32].map((i) => intercomContacts(s)[i] as IntercomContact) as [
      IntercomContact,
      IntercomContact,
      IntercomContact,
    ];
    uk.location = { type: 'location', country: 'United Kingdom', country_code: 'UK', region: null, city: 'London' };
    named.location = { type: 'location', country: 'United Kingdom', region: 'England', city: 'London' };
    greece.location = { type: 'location', country: 'Greece', country_code: 'EL', region: null, city: 'Athens' };
    const backside = backsideContacts(s)[16] as BacksideContact;
    backside.addresses = [
      { id: 'a1', country_code: 'uk', country: 'UK', city: 'Leeds', is_primary: true },
      { id: 'a2', country_code: null, country: 'Côte d’Ivoire', city: 'Abidjan' },
      { id: 'a3', country_code: 'EU', country: 'Germany', city: 'Berlin' },
      { id: 'a4', country_code: 'IRL', country: 'Ireland', city: 'Cork' },
    ];
    const code = async (source: string, id: string) => {
      const response: any = await s.query(
        `{ contactBySourceId(source: ${source}, sourceId: "${id}") { addresses { countryCode city } } }`,
      );
      expect(response.errors).toBeUndefined();
      return response.data.contactBySourceId.addresses;
    };
    expect(await code('INTERCOM', uk.id)).toEqual([{ countryCode: 'GB', city: 'London' }]);
    expect(await code('INTERCOM', named.id)).toEqual([{ countryCode: 'GB', city: 'London' }]);
    expect(await code('INTERCOM', greece.id)).toEqual([{ countryCode: null, city: 'Athens' }]);
    expect(await code('BACKSIDE', backside.id)).toEqual([
      { countryCode: 'GB', city: 'Leeds' },
      { countryCode: 'CI', city: 'Abidjan' },
      { countryCode: null, city: 'Berlin' }, // the source said EU: not a country
      { countryCode: null, city: 'Cork' }, // alpha-3 is no alpha-2 code
    ]);
  });

  it('nulls every output scalar a Backside record cannot fill, keeping the rest of the record', async () => {
    const s = await start();
    const contacts = backsideContacts(s);
    const target = contacts[12] as BacksideContact;
    const organization = contacts.find((c) => c.kind === 'organization') as BacksideContact;
    organization.created_at = '+275760-09-13T00:00:00Z';
    organization.updated_at = '2024-02-30T00:00:00Z';
    organization.metadata = { size: 3e9, website: 'notaurl', industry: 'Mining' };
    organization.channels = [];
    Object.assign(target, {
      created_at: '2024-06-24T12:00:00Z',
      updated_at: '2024-06-25T12:00:00Z',
      avatar_url: 'javascript:alert(1)',
      metadata: ['not', 'an', 'object'],
      // Hostile on purpose: the types say what Backside documents, not what it sends.
      addresses: [
        // No id at all, a latitude written as text, a longitude out of range, a code that names no country.
        {
          contact_id: target.id,
          country_code: 'EU',
          country: 'Europe',
          latitude: '53.35',
          longitude: 181,
          city: 'Dublin',
        },
        { id: 7, country_code: 'uk', latitude: 'north', longitude: '-0.1276', city: 'London' },
      ] as unknown as BacksideContact['addresses'],
      channels: [
        { id: 'c1', type: 'email', value: 'X@Example.com', is_primary: true },
        {
          id: 'c2',
          type: 'phone',
          value: '(202) 555-0123 x42',
          canonical_value: '+12025550123',
          preference_order: 1e10,
        },
      ],
      dates: [
        { id: 'd1', date_type: 'birthday', date_day: 1, date_month: 1, date_year: 12345 },
        { id: 'd2', date_type: 'anniversary', date_day: 29, date_month: 2, date_year: 2023 },
        { id: 'd3', date_type: 'custom', date_day: 5, date_month: 6, date_year: 1e12 },
        { id: 'd4', date_type: 'custom', date_day: 5, date_month: 6, date_year: -44 },
      ],
      affiliations: [
        {
          id: 'f1',
          organization_id: organization.id,
          start_date: '2024-13-01',
          end_date: '0000-00-00',
          is_current: true,
        },
      ],
    });
    const response: any = await s.query(
      `{ contactBySourceId(source: BACKSIDE, sourceId: "${target.id}") { ${CONTACT_FIELDS}
         affiliations { startDate endDate company { name website size createdAt updatedAt customAttributes } } } }`,
    );
    expect(response.errors).toBeUndefined();
    const contact = response.data.contactBySourceId;
    expect(contact).toMatchObject({
      displayName: target.display_name,
      email: 'x@example.com',
      phone: '+12025550123;ext=42',
      avatarUrl: null,
      customAttributes: {},
      createdAt: '2024-06-24T12:00:00.000Z',
      updatedAt: '2024-06-25T12:00:00.000Z',
    });
    expect(contact.addresses).toEqual([
      expect.objectContaining({ id: `${target.id}:address:0`, countryCode: null, latitude: 53.35, longitude: null }),
      expect.objectContaining({ id: '7', countryCode: 'GB', latitude: null, longitude: -0.1276, city: 'London' }),
    ]);
    expect(contact.channels[1]).toMatchObject({ canonicalValue: '+12025550123;ext=42', preferenceOrder: null });
    expect(contact.dates).toEqual([
      { type: 'BIRTHDAY', sourceType: 'birthday', label: null, day: 1, month: 1, year: 12345, date: null },
      { type: 'ANNIVERSARY', sourceType: 'anniversary', label: null, day: 29, month: 2, year: 2023, date: null },
      { type: 'OTHER', sourceType: 'custom', label: null, day: 5, month: 6, year: null, date: null },
      { type: 'OTHER', sourceType: 'custom', label: null, day: 5, month: 6, year: -44, date: null },
    ]);
    expect(contact.affiliations).toMatchObject([
      {
        startDate: null,
        endDate: null,
        company: {
          name: organization.display_name,
          website: null,
          size: null,
          createdAt: null,
          updatedAt: null,
          customAttributes: { size: 3e9, website: 'notaurl', industry: 'Mining' },
        },
      },
    ]);
  });

  it('nulls every output scalar an Intercom contact and its company cannot fill, keeping the rest', async () => {
    const s = await start();
    const target = intercomContacts(s)[21] as IntercomContact;
    const company = s.upstreams.seed.intercom.companies.find(
      (c) => c.id === target.companies?.data[0]?.id,
    ) as IntercomCompany;
    expect(company).toBeDefined();
    Object.assign(company, { website: 'ftp://files.example', size: 3e9, created_at: 1719239678000, updated_at: -1 });
    Object.assign(target, {
      avatar: { type: 'avatar', image_url: 'not a url' },
      custom_attributes: [1, 2] as unknown as Record<string, unknown>,
      last_seen_at: 0,
      location: { type: 'location', country: 'Atlantis', country_code: 'ZZ', region: null, city: 'Poseidonia' },
    });
    const response: any = await s.query(
      `{ contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { ${CONTACT_FIELDS} } }`,
    );
    expect(response.errors).toBeUndefined();
    const contact = response.data.contactBySourceId;
    expect(contact).toMatchObject({
      displayName: target.name,
      avatarUrl: null,
      customAttributes: {},
      lastSeenAt: null,
    });
    expect(contact.addresses[0]).toMatchObject({ countryCode: null, city: 'Poseidonia', country: 'Atlantis' });
    expect(contact.companies.find((c: any) => c.name === company.name)).toMatchObject({
      website: null,
      size: null,
      createdAt: '2024-06-24T14:34:38.000Z',
      updatedAt: null,
    });
    // The rest of the record and its children are kept.
    expect(contact.companies).toHaveLength(new Set(s.upstreams.seed.intercom.contactCompanies[target.id]).size);
    expect(contact.email).toBe(target.email?.trim().toLowerCase() ?? null);
  });

  it('never lets an output scalar error blame the caller or quote the value', () => {
    const bad: Record<string, unknown> = {
      CountryCode: 'EU',
      DateTime: new Date(Number.NaN),
      LocalDate: '12345-01-01',
      URL: 'not a url',
      Latitude: 123,
      Longitude: 'east',
      JSONObject: ['secret-upstream-value'],
    };
    for (const [name, value] of Object.entries(bad)) {
      const scalar = schema.getType(name) as GraphQLScalarType;
      let thrown: unknown;
      try {
        scalar.serialize(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(UnrepresentableValue);
      expect((thrown as Error).message).toBe(`A value from a source could not be represented as ${name}.`);
    }
    // Inputs stay the caller's: a bad updatedAfter is still refused as BAD_USER_INPUT by the scalar.
    expect(() => (schema.getType('DateTime') as GraphQLScalarType).parseValue('yesterday')).toThrow();
  });

  it('answers a value that slipped past the mappers as INTERNAL_SERVER_ERROR at its path, never quoting it', async () => {
    // A mapper bug, simulated: the contact leaves the connector with values no scalar can write.
    const contact = IntercomConnector.prototype.contact;
    IntercomConnector.prototype.contact = async function (this: IntercomConnector, id: string) {
      const mapped = await contact.call(this, id);
      return mapped && { ...mapped, lastSeenAt: new Date(Number.NaN), avatarUrl: 'secret-upstream-value' };
    };
    try {
      // Compiled by graphql-jit (the default) and interpreted by graphql-js alike.
      for (const jit of [true, false]) {
        await stack?.close();
        stack = await startStack({ gateway: { jit } });
        const target = intercomContacts(stack)[3] as IntercomContact;
        const response: any = await stack.query(
          `{ contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { displayName lastSeenAt avatarUrl } }`,
        );
        expect(response.data.contactBySourceId).toEqual({
          displayName: target.name,
          lastSeenAt: null,
          avatarUrl: null,
        });
        expect(
          response.errors.map((e: any) => [e.path.join('.'), e.extensions.code]),
          `jit ${jit}`,
        ).toEqual([
          ['contactBySourceId.lastSeenAt', 'INTERNAL_SERVER_ERROR'],
          ['contactBySourceId.avatarUrl', 'INTERNAL_SERVER_ERROR'],
        ]);
        expect(JSON.stringify(response)).not.toMatch(/secret|Invalid Date|NaN/);
      }
    } finally {
      IntercomConnector.prototype.contact = contact;
    }
  });

  it('only ever hands the scalars values they accept (any JSON in, null or a valid value out)', () => {
    const accepts = (scalar: GraphQLScalarType, value: unknown) => {
      if (value === null) return true;
      try {
        scalar.serialize(value);
        return true;
      } catch {
        return false;
      }
    };
    const rfc3339 = (date: Date | null) => date === null || /^\d{4}-\d\d-\d\dT/.test(date.toISOString());
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.double(),
      fc.integer({ min: -1e15, max: 1e15 }),
      fc.constantFrom('EU', 'UK', 'EL', 'zz', 'gb', 'IRL', '2024-02-30', '12345-01-01', '+275760-09-13T00:00:00Z'),
      fc.string(),
    );
    fc.assert(
      fc.property(anything, fc.integer(), fc.integer(), fc.integer(), (value, day, month, year) => {
        expect(accepts(CountryCodeResolver, countryCode(value))).toBe(true);
        expect(accepts(CountryCodeResolver, countryFromName(value))).toBe(true);
        expect(accepts(CountryCodeResolver, addressCountry(value, value))).toBe(true);
        expect(accepts(URLResolver, httpUrl(value))).toBe(true);
        expect(accepts(LatitudeResolver, latitude(value))).toBe(true);
        expect(accepts(LongitudeResolver, longitude(value))).toBe(true);
        expect(accepts(LocalDateResolver, localDate(value))).toBe(true);
        expect(accepts(LocalDateResolver, dateFromParts(day, month, year))).toBe(true);
        expect(accepts(GraphQLInt, integer(value))).toBe(true);
        expect(accepts(JSONObjectResolver, jsonObject(value))).toBe(true);
        for (const date of [timestamp(value), unixSeconds(value)]) {
          expect(accepts(DateTimeResolver, date) && rfc3339(date)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ------------------------------------------------------------------------------------------------------ item 11

const PHONE_FIELDS =
  'sourceId phone channels(types: [PHONE]) { value canonicalValue } linkedContacts { source sourceId }';

describe('phones: national form, call prefixes, extensions', () => {
  it('reads a number after an international call prefix or in national form in the record’s own country', async () => {
    const s = await start();
    const [idd, national, nanp] = [33, 34, 35].map((i) => intercomContacts(s)[i] as IntercomContact) as [
      IntercomContact,
      IntercomContact,
      IntercomContact,
    ];
    const london = { type: 'location', country: 'United Kingdom', region: 'England', city: 'London' };
    Object.assign(idd, { phone: '00 44 20 7946 0111', location: london });
    Object.assign(national, { phone: '020 7946 0222', location: london });
    // Seen from Berlin, a number valid in the configured region (US) stays a US number.
    Object.assign(nanp, {
      phone: '011 44 20 7946 0333',
      location: { type: 'location', country: 'Germany', region: 'Berlin', city: 'Berlin' },
    });
    const backside = backsideContacts(s)[18] as BacksideContact;
    backside.addresses = [{ id: 'a1', country_code: 'DE', country: 'Germany', city: 'Berlin', is_primary: true }];
    backside.channels = [{ id: 'p1', type: 'phone', value: '030 1234567', is_primary: true }];
    const phone = async (source: string, id: string) => {
      const response: any = await s.query(
        `{ contactBySourceId(source: ${source}, sourceId: "${id}") { ${PHONE_FIELDS} } }`,
      );
      expect(response.errors).toBeUndefined();
      const contact = response.data.contactBySourceId;
      return [contact.phone, contact.channels[0].canonicalValue];
    };
    expect(await phone('INTERCOM', idd.id)).toEqual(['+442079460111', '+442079460111']);
    expect(await phone('INTERCOM', national.id)).toEqual(['+442079460222', '+442079460222']);
    expect(await phone('INTERCOM', nanp.id)).toEqual(['+442079460333', '+442079460333']);
    expect(await phone('BACKSIDE', backside.id)).toEqual(['+49301234567', '+49301234567']);
  });

  it('keeps extensions as ;ext= in phone and canonicalValue, from either source', async () => {
    const s = await start();
    const intercom = intercomContacts(s)[36] as IntercomContact;
    intercom.phone = '+1 202-555-0123 ext. 42';
    const backside = backsideContacts(s)[19] as BacksideContact;
    // Backside's canonical value dropped the extension the typed value has.
    backside.channels = [{ id: 'p1', type: 'phone', value: '(202) 555-0123 x43', canonical_value: '+12025550123' }];
    const a: any = await s.query(
      `{ contactBySourceId(source: INTERCOM, sourceId: "${intercom.id}") { ${PHONE_FIELDS} } }`,
    );
    const b: any = await s.query(
      `{ contactBySourceId(source: BACKSIDE, sourceId: "${backside.id}") { ${PHONE_FIELDS} } }`,
    );
    expect(a.data.contactBySourceId).toMatchObject({
      phone: '+12025550123;ext=42',
      channels: [{ value: '+1 202-555-0123 ext. 42', canonicalValue: '+12025550123;ext=42' }],
    });
    expect(b.data.contactBySourceId).toMatchObject({
      phone: '+12025550123;ext=43',
      channels: [{ value: '(202) 555-0123 x43', canonicalValue: '+12025550123;ext=43' }],
    });
    // And a caller may look a number up with its extension, however written.
    const person: any = await s.query(
      '{ person(phone: "(202) 555-0123 ext 42") { key contacts { source sourceId } } }',
    );
    expect(person.data.person).toEqual({
      key: '+12025550123;ext=42',
      contacts: [{ source: 'INTERCOM', sourceId: intercom.id }],
    });
  });

  it('does not link two numbers that differ only by extension, from either side', async () => {
    const s = await start();
    const desk = intercomContacts(s)[37] as IntercomContact;
    desk.phone = '+1 202 555 0199 ext. 7';
    desk.email = 'desk@one.example';
    const switchboard = backsideContacts(s)[20] as BacksideContact;
    switchboard.channels = [{ id: 'p1', type: 'phone', value: '+12025550199', canonical_value: '+12025550199' }];
    const a: any = await s.query(`{ contactBySourceId(source: INTERCOM, sourceId: "${desk.id}") { ${PHONE_FIELDS} } }`);
    const b: any = await s.query(
      `{ contactBySourceId(source: BACKSIDE, sourceId: "${switchboard.id}") { ${PHONE_FIELDS} } }`,
    );
    expect(a.errors).toBeUndefined();
    expect(a.data.contactBySourceId.linkedContacts).toEqual([]);
    expect(b.data.contactBySourceId.linkedContacts).toEqual([]);
    const bare: any = await s.query('{ person(phone: "+12025550199") { contacts { sourceId } } }');
    expect(bare.data.person.contacts).toEqual([{ sourceId: switchboard.id }]);
  });

  it('links symmetrically when Backside holds the same email twice (find-by-channel answers one)', async () => {
    const s = await start();
    const grace = intercomContacts(s).find((c) => c.name === 'Grace Hopper') as IntercomContact;
    const graceBackside = backsideContacts(s).find((c) => c.display_name === 'Grace Hopper') as BacksideContact;
    // An older Backside record holds Grace's email too: find-by-channel answers it, not the newer one.
    const duplicate = backsideContacts(s)[10] as BacksideContact;
    duplicate.channels = [{ id: 'e1', type: 'email', value: 'grace.hopper@example.org', is_primary: true }];
    const linked = async (source: string, id: string) => {
      const response: any = await s.query(
        `{ contactBySourceId(source: ${source}, sourceId: "${id}") { linkedContacts { source sourceId } } }`,
      );
      expect(response.errors).toBeUndefined();
      return response.data.contactBySourceId.linkedContacts;
    };
    expect(await linked('INTERCOM', grace.id)).toEqual([{ source: 'BACKSIDE', sourceId: duplicate.id }]);
    expect(await linked('BACKSIDE', duplicate.id)).toEqual([{ source: 'INTERCOM', sourceId: grace.id }]);
    // The record Backside's search cannot reach by that email lists nobody by it, as nobody can list it.
    expect(await linked('BACKSIDE', graceBackside.id)).toEqual([]);
  });

  it('is symmetric over the whole data set, quirks included: A lists B exactly when B lists A', async () => {
    const s = await start();
    const ic = intercomContacts(s);
    const bs = backsideContacts(s);
    // An extension on one side only; a duplicate email in Backside; a Backside phone stored in national form with
    // no canonical value (its find-by-channel compares digits, so "+1…" cannot find it); a number after 00.
    (ic[37] as IntercomContact).phone = '+1 202 555 0199 ext. 7';
    (bs[20] as BacksideContact).channels = [{ id: 'p1', type: 'phone', value: '+12025550199' }];
    (bs[10] as BacksideContact).channels = [{ id: 'e1', type: 'email', value: 'grace.hopper@example.org' }];
    (ic[38] as IntercomContact).phone = '+14155550166';
    Object.assign(bs[21] as BacksideContact, {
      addresses: [],
      channels: [{ id: 'p2', type: 'phone', value: '415-555-0166' }],
    });
    (ic[39] as IntercomContact).phone = '00 44 20 7946 0958';
    const all: { id: string; source: string; sourceId: string; linkedContacts: { id: string }[] }[] = [];
    let after: string | null = null;
    do {
      const page: any = await s.query(
        'query($after: String) { contacts(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id source sourceId linkedContacts { id } } } }',
        { after },
      );
      expect(page.errors).toBeUndefined();
      all.push(...page.data.contacts.nodes);
      after = page.data.contacts.pageInfo.hasNextPage ? page.data.contacts.pageInfo.endCursor : null;
    } while (after);
    const byGlobalId = new Map(all.map((node) => [node.id, node]));
    const asymmetric: string[] = [];
    let links = 0;
    for (const node of all) {
      for (const link of node.linkedContacts) {
        links += 1;
        const other = byGlobalId.get(link.id);
        if (!other?.linkedContacts.some((back) => back.id === node.id)) {
          asymmetric.push(`${node.source} ${node.sourceId} -> ${other?.source} ${other?.sourceId}`);
        }
      }
    }
    expect(asymmetric).toEqual([]);
    // Alan Turing's Backside record (+442079460958) and the contact who wrote "00 44 20 7946 0958" are linked.
    const turing = bs.find((c) => c.display_name === 'Alan Turing') as BacksideContact;
    const turingNode = all.find((n) => n.sourceId === turing.id);
    expect(turingNode?.linkedContacts.map((l) => byGlobalId.get(l.id)?.sourceId)).toContain(
      (ic[39] as IntercomContact).id,
    );
    expect(links).toBeGreaterThanOrEqual(16);
  });
});

// ------------------------------------------------------------------------------------------------------ item 12

describe('JSON nested thousands deep', () => {
  for (const levels of [5_000, 100_000]) {
    it(`cuts Intercom custom_attributes nested ${levels.toLocaleString('en')} deep at ${MAX_JSON_DEPTH} levels, keeping the rest`, async () => {
      const s = await start();
      const target = intercomContacts(s)[25] as IntercomContact;
      target.custom_attributes = { plan: 'Pro', deep: '__DEEP__' };
      rewrite(
        s.upstreams.intercom,
        (req) => req.url === `/contacts/${target.id}` || req.url?.startsWith('/contacts?') === true,
        (body) => body.replace('"__DEEP__"', nestedText(levels)),
      );
      const response = await s.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{
            one: contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { displayName email customAttributes }
            page: contacts(first: 50, sources: [INTERCOM]) { nodes { sourceId customAttributes } }
          }`,
        }),
      });
      expect(response.status).toBe(200);
      const body: any = await response.json();
      expect(body.errors).toBeUndefined();
      expect(body.data.one).toMatchObject({ displayName: target.name, email: target.email?.trim().toLowerCase() });
      // {plan, deep: {a: …}}: the record's own object is level 1, so `deep` keeps 31 levels, the last one's `a` null.
      expect(body.data.one.customAttributes.plan).toBe('Pro');
      expect(walkDepth(body.data.one.customAttributes.deep)).toEqual({ levels: MAX_JSON_DEPTH - 1, leaf: null });
      expect(body.data.page.nodes).toHaveLength(50);
      const inPage = body.data.page.nodes.find((n: any) => n.sourceId === target.id);
      expect(walkDepth(inPage.customAttributes.deep)).toEqual({ levels: MAX_JSON_DEPTH - 1, leaf: null });
      const neighbour = intercomContacts(s)[26] as IntercomContact;
      expect(body.data.page.nodes.find((n: any) => n.sourceId === neighbour.id).customAttributes).toEqual(
        neighbour.custom_attributes ?? {},
      );
    });
  }

  it('cuts Backside metadata and Intercom company custom_attributes the same way', async () => {
    const s = await start();
    const target = backsideContacts(s)[22] as BacksideContact;
    target.metadata = { source: 'import', deep: '__DEEP__' };
    const company = s.upstreams.seed.intercom.companies[0] as IntercomCompany;
    company.custom_attributes = { deep: '__DEEP__' };
    const contact = intercomContacts(s).find((c) =>
      c.companies?.data.some((ref) => ref.id === company.id),
    ) as IntercomContact;
    for (const fake of [s.upstreams.backside, s.upstreams.intercom]) {
      rewrite(
        fake,
        () => true,
        (body) => body.replace('"__DEEP__"', nestedText(20_000)),
      );
    }
    const response: any = await s.query(`{
      b: contactBySourceId(source: BACKSIDE, sourceId: "${target.id}") { displayName customAttributes }
      list: contacts(first: 100, sources: [BACKSIDE]) { nodes { sourceId customAttributes } }
      i: contactBySourceId(source: INTERCOM, sourceId: "${contact.id}") { companies { name customAttributes } }
    }`);
    expect(response.errors).toBeUndefined();
    expect(response.data.b.displayName).toBe(target.display_name);
    expect(response.data.b.customAttributes.source).toBe('import');
    expect(walkDepth(response.data.b.customAttributes.deep)).toEqual({ levels: MAX_JSON_DEPTH - 1, leaf: null });
    const listed = response.data.list.nodes.find((n: any) => n.sourceId === target.id);
    expect(walkDepth(listed.customAttributes.deep)).toEqual({ levels: MAX_JSON_DEPTH - 1, leaf: null });
    const companyNode = response.data.i.companies.find((c: any) => c.name === company.name);
    expect(walkDepth(companyNode.customAttributes.deep)).toEqual({ levels: MAX_JSON_DEPTH - 1, leaf: null });
  });

  it('keeps a contact’s tags when Intercom’s tag list carries a field nested 10,000 deep', async () => {
    const s = await start();
    const target = intercomContacts(s).find(
      (c) => (c.tags?.data.length ?? 0) > 0 && !c.tags?.has_more,
    ) as IntercomContact;
    const firstTag = s.upstreams.seed.intercom.tags[0] as unknown as Record<string, unknown>;
    firstTag.extra = '__DEEP__';
    rewrite(
      s.upstreams.intercom,
      (req) => req.url === '/tags',
      (body) => body.replace('"__DEEP__"', nestedText(10_000)),
    );
    const response: any = await s.query(
      `{ contactBySourceId(source: INTERCOM, sourceId: "${target.id}") { displayName tags { sourceId name } } }`,
    );
    expect(response.errors).toBeUndefined();
    const names = (s.upstreams.seed.intercom.contactTags[target.id] ?? []).map(
      (id) => s.upstreams.seed.intercom.tags.find((tag) => tag.id === id)?.name,
    );
    expect(response.data.contactBySourceId.tags.map((t: { name: string }) => t.name).sort()).toEqual(names.sort());
    expect(s.upstreams.intercom.count({ path: '/tags' })).toBe(1);
  });

  it('cuts without recursing past the cut, even a million levels deep', () => {
    const deep = JSON.parse(nestedText(1_000_000)) as Record<string, unknown>;
    const cut = jsonObject(deep);
    expect(walkDepth(cut)).toEqual({ levels: MAX_JSON_DEPTH, leaf: null });
    expect(JSON.stringify(cut).length).toBeLessThan(300);
    const shallow = { a: { b: [1, { c: 2 }] } };
    expect(jsonObject(shallow)).toBe(shallow);
  });
});

// --------------------------------------------------------------------------------------------------- the helpers

describe('value helpers behind the rules', () => {
  it('reads epoch numbers by size', () => {
    const iso = (value: unknown) => unixSeconds(value)?.toISOString() ?? null;
    expect(iso(1719239678)).toBe('2024-06-24T14:34:38.000Z');
    expect(iso(1719239678000)).toBe('2024-06-24T14:34:38.000Z');
    expect(iso(1719239678000000)).toBe('2024-06-24T14:34:38.000Z');
    expect(iso(1719239678000000000)).toBe('2024-06-24T14:34:38.000Z');
    expect(iso(9_999_999_999)).toBe('2286-11-20T17:46:39.000Z');
    for (const none of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, 1e25, 'soon', null]) expect(iso(none)).toBeNull();
  });

  it('reads RFC 3339 text with or without an offset', () => {
    const iso = (value: unknown) => timestamp(value)?.toISOString() ?? null;
    expect(iso('2024-06-24T14:01:18')).toBe('2024-06-24T14:01:18.000Z');
    expect(iso('2024-06-24T14:01:18.1234-0530')).toBe('2024-06-24T19:31:18.123Z');
    expect(iso('2016-12-31T23:59:60Z')).toBe('2016-12-31T23:59:59.999Z');
    for (const none of [
      '2024-02-30T00:00:00Z',
      '2024-06-24T25:00:00Z',
      'Tue, 07 Nov 2023 05:31:56 GMT',
      '+275760-09-13',
    ]) {
      expect(iso(none)).toBeNull();
    }
  });

  it('canonicalises phones with regions in order, call prefixes and extensions', () => {
    expect(canonicalPhone('757-555-0188', 'US', 'DE')).toBe('+17575550188');
    expect(canonicalPhone('757-555-0188', 'DE', 'US')).toBe('+497575550188');
    expect(canonicalPhone('020 7946 0958', 'US', 'GB')).toBe('+442079460958');
    expect(canonicalPhone('00 44 20 7946 0958', 'US')).toBe('+442079460958');
    expect(canonicalPhone('011 44 20 7946 0958', 'US')).toBe('+442079460958');
    expect(canonicalPhone('tel:+12025550123;ext=42', undefined)).toBe('+12025550123;ext=42');
    expect(canonicalPhone('ask reception', 'US')).toBeNull();
    expect(canonicalPhone('(415) 555-0134', 'EU', 'US')).toBe('+14155550134');
  });

  it('keeps integers to what GraphQL’s Int carries', () => {
    expect(integer(2 ** 31)).toBeNull();
    expect(integer(-(2 ** 31) + 1)).toBe(-(2 ** 31) + 1);
    expect(integer(2 ** 31 - 1)).toBe(2 ** 31 - 1);
  });
});
