// The varied workloads: every request a different body, so that no system can answer many requests with one execution
// (our operation dedupe, Tailcall's in-flight dedupe) the way it can when every connection sends the same query.
// Each workload is a pool of request bodies built once per system before its run, from the seeded fakes
// (src/demo/seed.ts: contact ids, list sizes) and, for ours, the gateway's own page cursors; bench/run.ts hands them
// out in turn (autocannon's setupRequest), so consecutive requests differ. W (writes) builds each body fresh, since a
// create must not repeat.
import { encodeOffset } from '../src/demo/http.js';
import { createSeed, DEMO_BACKSIDE_API_KEY } from '../src/demo/seed.js';

export const VARIED = {
  Av: { title: 'A-varied: each request a different Intercom contact of the fakes (58), every child field' },
  Bv: {
    title:
      'B-varied: each request a different page of Intercom contacts (offset 0–7 × first 30–50: 168 pages) with tags and companies',
  },
  Cv: {
    title:
      'C-varied: each request a different page of Backside contacts (offset 0–9 × first 30–50: 210 pages) with channels, tags and companies',
  },
  W: {
    title:
      'writes in turn: createContact (Intercom and Backside alternately, a new email each), updateContact (a seeded contact, a new name), tagContact (a seeded contact, one of 8 tags)',
  },
} as const;

export type VariedName = keyof typeof VARIED;
export const isVaried = (name: string): name is VariedName => name in VARIED;

/** How a system's schema asks things; the peers' schemas are in bench/peers/. */
export type Dialect = 'ours' | 'apollo' | 'tailcall' | 'hive' | 'floor';

/** The request bodies of one workload, handed out in turn. */
export interface Pool {
  next: () => string;
  size: number;
}

/** Why a system cannot serve a varied workload in its schema; null: it can. */
export function variedSkip(workload: VariedName, dialect: Dialect): string | null {
  if (workload === 'W' && dialect !== 'ours') return 'not served: it has no mutations';
  if (dialect === 'hive' && workload === 'Bv') return "not served: the spec's ListContacts takes no page parameters";
  if (dialect === 'hive' && workload === 'Cv')
    return 'not served: no Backside subgraph (Backside publishes no OpenAPI description)';
  return null;
}

const seed = createSeed();
const inactive = new Set([...seed.intercom.archived, ...Object.keys(seed.intercom.merged)]);
const INTERCOM_IDS = seed.intercom.contacts.map((c) => c.id).filter((id) => !inactive.has(id));
const tenant = seed.backside.tenants.find((t) => t.apiKey === DEMO_BACKSIDE_API_KEY)?.id;
const BACKSIDE_IDS = seed.backside.contacts
  .filter((c) => c.tenant_id === tenant && c.kind === 'person')
  .map((c) => c.id);
const TAGS = ['vip', 'newsletter', 'beta', 'churn-risk', 'partner', 'trial', 'enterprise', 'event-2024'];

/** Pages as (offset, first): every page full, none past the end of the seeded list. */
function pages(offsets: number, total: number): Array<{ offset: number; first: number }> {
  const out: Array<{ offset: number; first: number }> = [];
  for (let first = 30; first <= 50; first++)
    for (let offset = 0; offset < offsets; offset++) if (offset + first <= total) out.push({ offset, first });
  // Interleaved so that neighbours in the pool differ in both offset and size.
  return out.sort((a, b) => ((a.offset * 7 + a.first) % 11) - ((b.offset * 7 + b.first) % 11));
}
const INTERCOM_PAGES = pages(8, INTERCOM_IDS.length - 1);
const BACKSIDE_PAGES = pages(10, BACKSIDE_IDS.length);

const A_FIELDS = `id displayName email phone createdAt updatedAt
      addresses { formatted } channels { type value } tags { id name } companies { id name website }
      affiliations { isCurrent company { name } } notes { text createdAt } dates { type } customAttributes`;
const B_FIELDS = 'id displayName tags { id name } companies { id name }';
const C_FIELDS = 'id displayName channels { type value } tags { id name } companies { id name }';

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
function cycle(bodies: string[]): Pool {
  let index = 0;
  return {
    size: bodies.length,
    next: () => bodies[index++ % bodies.length] as string,
  };
}
const globalId = (source: string, id: string) => Buffer.from(`Contact:${source}:${id}`).toString('base64url');

/** Ours: the page after the first `offset` contacts, by the gateway's own cursor (asked of it once per offset). */
async function oursCursors(url: string, source: string, offsets: number[]): Promise<Map<number, string | null>> {
  const cursors = new Map<number, string | null>([[0, null]]);
  for (const offset of new Set(offsets)) {
    if (offset === 0) continue;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ contacts(first: ${offset}, sources: [${source}]) { pageInfo { endCursor } } }`,
      }),
    });
    const json = (await response.json()) as { data?: { contacts: { pageInfo: { endCursor: string } } } };
    const cursor = json.data?.contacts.pageInfo.endCursor;
    if (!cursor) throw new Error(`no cursor for ${source} offset ${offset}: ${JSON.stringify(json).slice(0, 200)}`);
    cursors.set(offset, cursor);
  }
  return cursors;
}

async function pagePool(
  dialect: Dialect,
  url: string,
  source: 'INTERCOM' | 'BACKSIDE',
  fields: string,
  name: 'Bv' | 'Cv',
): Promise<Pool> {
  const list = source === 'INTERCOM' ? INTERCOM_PAGES : BACKSIDE_PAGES;
  switch (dialect) {
    case 'ours': {
      const cursors = await oursCursors(
        url,
        source,
        list.map((p) => p.offset),
      );
      const query = `query ${name}($first: Int!, $after: String) { contacts(first: $first, after: $after, sources: [${source}]) { nodes { ${fields} } } }`;
      return cycle(list.map((p) => body(query, { first: p.first, after: cursors.get(p.offset) })));
    }
    case 'apollo': {
      const query = `query ${name}($first: Int!, $after: String) { contacts(first: $first, after: $after, sources: [${source}]) { nodes { ${fields} } } }`;
      return cycle(list.map((p) => body(query, { first: p.first, after: encodeOffset(p.offset) })));
    }
    case 'tailcall': {
      const root = source === 'INTERCOM' ? 'intercomContactsPage' : 'backsideContactsPage';
      const query = `query ${name}($first: Int!, $after: String!) { ${root}(first: $first, after: $after) { nodes { ${fields} } } }`;
      return cycle(list.map((p) => body(query, { first: p.first, after: encodeOffset(p.offset) })));
    }
    case 'floor':
      return cycle(list.map((p) => body(`query ${name} { }`, { first: p.first, after: encodeOffset(p.offset) })));
    case 'hive':
      throw new Error(variedSkip(name, dialect) ?? 'not served');
  }
}

/** W: a create, an update and a tag in turn, each body new. */
function writePool(): Pool {
  const run = Date.now().toString(36);
  let count = 0;
  const payload = 'contact { id displayName } userErrors { code message }';
  return {
    size: Number.POSITIVE_INFINITY,
    next: () => {
      const n = count++;
      const intercom = n % 2 === 0;
      switch (n % 3) {
        case 0:
          return body(`mutation W($input: CreateContactInput!) { createContact(input: $input) { ${payload} } }`, {
            input: {
              source: intercom ? 'INTERCOM' : 'BACKSIDE',
              name: `Bench Writer ${n}`,
              email: `w-${run}-${n}@bench.example`,
            },
          });
        case 1: {
          const id = intercom
            ? globalId('INTERCOM', INTERCOM_IDS[n % INTERCOM_IDS.length] as string)
            : globalId('BACKSIDE', BACKSIDE_IDS[n % BACKSIDE_IDS.length] as string);
          return body(`mutation W($input: UpdateContactInput!) { updateContact(input: $input) { ${payload} } }`, {
            input: { id, name: `Renamed ${n}` },
          });
        }
        default: {
          const contactId = intercom
            ? globalId('INTERCOM', INTERCOM_IDS[n % INTERCOM_IDS.length] as string)
            : globalId('BACKSIDE', BACKSIDE_IDS[n % BACKSIDE_IDS.length] as string);
          return body(`mutation W($input: TagContactInput!) { tagContact(input: $input) { ${payload} } }`, {
            input: { contactId, tagName: TAGS[n % TAGS.length] },
          });
        }
      }
    },
  };
}

/** The pool of one varied workload for one system; `url` is its running endpoint (ours asks it for cursors). */
export async function variedPool(workload: VariedName, dialect: Dialect, url: string): Promise<Pool> {
  switch (workload) {
    case 'Av': {
      const query =
        dialect === 'tailcall'
          ? `query Av($id: String!) { intercomContact(sourceId: $id) { ${A_FIELDS} } }`
          : dialect === 'hive'
            ? `query Av($id: String!) { ShowContact(contact_id: $id) { ... on ShowContact_200_response {
        id name email phone created_at updated_at location { city region country } custom_attributes
        tags { data { id tag { ... on tag_basic { id name } } } }
        companies { data { id company { ... on Company { id name website } } } }
        note_list { ... on note_list { data { body created_at } } }
      } } }`
            : dialect === 'floor'
              ? 'query Av { }'
              : `query Av($id: String!) { contactBySourceId(source: INTERCOM, sourceId: $id) { ${A_FIELDS} } }`;
      return cycle(INTERCOM_IDS.map((id) => body(query, { id })));
    }
    case 'Bv':
      return pagePool(dialect, url, 'INTERCOM', B_FIELDS, 'Bv');
    case 'Cv':
      return pagePool(dialect, url, 'BACKSIDE', C_FIELDS, 'Cv');
    case 'W':
      if (dialect !== 'ours') throw new Error(variedSkip(workload, dialect) ?? 'not served');
      return writePool();
  }
}
