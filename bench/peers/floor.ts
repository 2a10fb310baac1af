// The hand-written floor: what a careful engineer would write to answer exactly the benchmark's operations with no
// GraphQL at all. Plain node:http server, JSON assembled by hand, and the upstream calls the APIs force and no more.
// It answers the operations by name (A-D; Av-Cv are A-C with variables) with the same JSON the gateway answers (the
// same values: it maps each upstream record with the gateway's own pure mappers, src/upstream/*/mappers.ts, and
// gives the same global ids), so that its row bounds what any Node gateway can do for that answer.
// Usage: tsx bench/peers/floor.ts <port> <backsideUrl> <intercomUrl>
//
// Design decisions (issue 15, part 5):
// - Upstream calls go through undici's `request` on one keep-alive Pool per upstream with no cap on connections
//   (`connections: null`: as many as the calls in flight, each kept open for the next). Measured against the
//   alternatives, floor alone, `npm run bench -- --duration 2 --warmup 1 --latency 20 --queries Av,Bv --systems floor`
//   (2 shared cores, a test suite running beside it): undici Pool Av 422 and 445 req/s, Bv 232 and 219; node:http
//   with `new Agent({ keepAlive: true, maxSockets: 256 })` Av 373, Bv 223; Node's global fetch (its own keep-alive
//   pool) Av 157, Bv 145.
// - Calls that do not depend on each other start in the same tick: the first wave is the record or page together
//   with the tag list (when the tag list is not kept yet), the second every company, sub-list and note list the first
//   wave names, all at once; a Backside organization is asked for as soon as the contact naming it arrives.
// - Intercom's tag list (`GET /tags`) is fetched once and kept a minute, as the gateway keeps it (TAG_LIST_TTL_MS);
//   a contact with more than the inline ten tags (`has_more`) or a tag newer than the list reads its own tag list.
// - One GET per distinct company within a request (`GET /companies/{id}`; a contact with more than ten reads
//   `/contacts/{id}/companies` instead); notes only for a contact whose inline note list is not empty. Backside has
//   no batch read: one `GET /api/v1/contacts/{id}` per distinct record and per distinct organization, organizations
//   on the page read once with it.
// - `POST /contacts/search` (`id IN`, the batch read Intercom allows) is what a floor would use for many contacts by
//   id; no operation here needs that (A reads one contact, where one GET is the same one call, as the gateway does;
//   B's and C's pages carry their contacts), so it has no call site.
// - Identical upstream GETs in flight are shared, within a request and across requests (keyed by URL; every call
//   carries the same credential), as the gateway and tailcall-dedupe do. Nothing outlives its call except the tag
//   list: no cache of contacts, companies or answers, so every request pays its own upstream calls unless an identical
//   one is on the wire at that moment. Identical whole operations are not shared (the gateway's operation dedupe is
//   its own feature; with every upstream call shared, all that is left to share is the JSON assembly).
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { encodeGlobalID } from '../../src/schema/ids.js';
import {
  mapChannels as backsideChannels,
  mapContact as backsideContact,
  mapTag as backsideTag,
  mapOrganization,
} from '../../src/upstream/backside/mappers.js';
import {
  mapChannels as intercomChannels,
  mapContact as intercomContact,
  mapTag as intercomTag,
  mapAddresses,
  mapCompany,
  mapNote,
} from '../../src/upstream/intercom/mappers.js';
import { distinctRecords, isPathSegment } from '../../src/upstream/path.js';
import { canonicalEmail, text } from '../../src/values.js';

const [port, backside, intercom] = process.argv.slice(2) as [string, string, string];
const B_AUTH = { authorization: 'Bearer bsk_test_demo', accept: 'application/json' };
const I_AUTH = { authorization: 'Bearer ic_test_demo', accept: 'application/json', 'intercom-version': '2.16' };
// The gateway's default DEFAULT_PHONE_REGION (src/config.ts); the benchmark does not set it.
const MAP = { defaultRegion: 'US' };
const TAG_LIST_TTL_MS = 60_000;

type Json = any;
interface Answer {
  status: number;
  body: Json;
  link: string | undefined;
}

const pools = new Map<string, Pool>();
function pool(origin: string): Pool {
  let found = pools.get(origin);
  if (!found) {
    found = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
    pools.set(origin, found);
  }
  return found;
}

async function call(url: URL, headers: Record<string, string>): Promise<Answer> {
  const response = await pool(url.origin).request({ method: 'GET', path: url.pathname + url.search, headers });
  if (response.statusCode === 404 || response.statusCode === 410) {
    await response.body.dump();
    const link = response.headers.link;
    return { status: response.statusCode, body: null, link: Array.isArray(link) ? link[0] : link };
  }
  if (response.statusCode >= 400) {
    await response.body.dump();
    throw new Error(`${url} answered ${response.statusCode}`);
  }
  return { status: response.statusCode, body: await response.body.json(), link: undefined };
}

/** Identical GETs in flight share one call (the answer is read, never changed, by every caller). */
const inFlight = new Map<string, Promise<Answer>>();
function get(url: string, headers: Record<string, string>): Promise<Answer> {
  let shared = inFlight.get(url);
  if (!shared) {
    shared = call(new URL(url), headers).finally(() => inFlight.delete(url));
    inFlight.set(url, shared);
  }
  return shared;
}
const intercomGet = async (path: string): Promise<Json> => (await get(`${intercom}${path}`, I_AUTH)).body;
const backsideGet = async (path: string): Promise<Json> => (await get(`${backside}${path}`, B_AUTH)).body;

type TagOut = { id: string; name: string };
let tagList: { until: number; byId: Promise<Map<string, TagOut>> } | undefined;
/** The workspace's tags by id, kept a minute. */
function intercomTags(): Promise<Map<string, TagOut>> {
  if (tagList && Date.now() <= tagList.until) return tagList.byId;
  const byId = intercomGet('/tags').then(
    (body) =>
      new Map<string, TagOut>(
        (body?.data ?? []).map((raw: Json) => {
          const tag = intercomTag(raw);
          return [tag.sourceId, { id: encodeGlobalID('Tag', `INTERCOM:${tag.sourceId}`), name: tag.name }];
        }),
      ),
  );
  const kept = { until: Date.now() + TAG_LIST_TTL_MS, byId };
  tagList = kept;
  byId.catch(() => {
    if (tagList === kept) tagList = undefined;
  });
  return byId;
}

const id = (typename: string, source: string, sourceId: string) => encodeGlobalID(typename, `${source}:${sourceId}`);

/** A contact's tags: the inline references named from the kept list, else its own tag list. */
async function tagsOf(raw: Json, listed: Map<string, TagOut>): Promise<TagOut[]> {
  const refs = raw.tags;
  if (!refs || refs.data.length === 0) return [];
  if (!refs.has_more) {
    const tags = distinctRecords<string>(
      refs.data.map((ref: Json) => String(ref.id)),
      (tagId) => tagId,
    ).map((tagId) => listed.get(tagId));
    if (tags.every((tag) => tag !== undefined)) return tags as TagOut[];
  }
  const own = await intercomGet(`/contacts/${raw.id}/tags`);
  return (own?.data ?? []).map((item: Json) => {
    const tag = intercomTag(item);
    return { id: id('Tag', 'INTERCOM', tag.sourceId), name: tag.name };
  });
}

/** A contact's companies (raw): one GET per distinct inline reference, or its own list past ten. */
async function companiesOf(raw: Json): Promise<Json[]> {
  const refs = raw.companies;
  if (!refs || refs.data.length === 0) return [];
  if (refs.has_more) {
    const own = await intercomGet(`/contacts/${raw.id}/companies`);
    return distinctRecords((own?.data ?? own?.companies ?? []) as Json[], (company) => company.id);
  }
  const ids = distinctRecords<string>(
    refs.data.map((ref: Json) => String(ref.id)),
    (companyId) => companyId,
  );
  const companies = await Promise.all(ids.map((companyId) => intercomGet(`/companies/${companyId}`)));
  return companies.filter((company) => company !== null);
}

/** What the gateway's mapContact gives as displayName, without reading the phone unless it must. */
function intercomName(raw: Json): string {
  return text(raw.name) ?? canonicalEmail(raw.email) ?? intercomContact(raw, MAP).displayName;
}

/** One contact by id, following a merge's canonical Link once (as the gateway does); null when gone. */
async function intercomRecord(sourceId: string): Promise<Json> {
  const first = await get(`${intercom}/contacts/${encodeURIComponent(sourceId)}`, I_AUTH);
  if (first.status !== 410) return first.body;
  const canonical = first.link ? /\/contacts\/([^/?#>]+)/.exec(first.link)?.[1] : undefined;
  if (!canonical || canonical === sourceId) return null;
  return intercomGet(`/contacts/${canonical}`);
}

type Variables = { id?: string; first?: number; after?: string };

async function opA({ id: sourceId = '5ba682d23d7cf92bef87bfd4' }: Variables = {}): Promise<string> {
  const [raw, listed] = await Promise.all([intercomRecord(sourceId), intercomTags()]);
  if (!raw) return '{"data":{"contactBySourceId":null}}';
  const notesInline = raw.notes;
  const [tags, companies, notes] = await Promise.all([
    tagsOf(raw, listed),
    companiesOf(raw),
    notesInline && notesInline.data.length === 0 && !notesInline.has_more
      ? null
      : intercomGet(`/contacts/${raw.id}/notes`),
  ]);
  const contact = intercomContact(raw, MAP);
  const mapped = companies.map(mapCompany);
  return JSON.stringify({
    data: {
      contactBySourceId: {
        id: id('Contact', 'INTERCOM', contact.sourceId),
        displayName: contact.displayName,
        email: contact.email,
        phone: contact.phone,
        createdAt: contact.createdAt,
        updatedAt: contact.updatedAt,
        addresses: mapAddresses(raw).map((address) => ({ formatted: address.formatted })),
        channels: intercomChannels(raw, MAP).map((channel) => ({ type: channel.type, value: channel.value })),
        tags,
        companies: mapped.map((company) => ({
          id: id('Company', 'INTERCOM', company.sourceId),
          name: company.name,
          website: company.website,
        })),
        affiliations: mapped.map((company) => ({ isCurrent: true, company: { name: company.name } })),
        notes: (notes?.data ?? []).map((raw_: Json) => {
          const note = mapNote(raw_, contact.sourceId);
          return { text: note.text, createdAt: note.createdAt };
        }),
        dates: [],
        customAttributes: contact.customAttributes,
      },
    },
  });
}

async function opB({ first = 50, after }: Variables = {}): Promise<string> {
  const page = after ? `&starting_after=${encodeURIComponent(after)}` : '';
  const [list, listed] = await Promise.all([intercomGet(`/contacts?per_page=${first}${page}`), intercomTags()]);
  const contacts: Json[] = list.data;
  // Every contact's tags and companies at once: the in-flight sharing makes a company two contacts name one GET.
  const parts = await Promise.all(contacts.map((raw) => Promise.all([tagsOf(raw, listed), companiesOf(raw)])));
  const nodes = contacts.map((raw, index) => {
    const [tags, companies] = parts[index] as [unknown[], Json[]];
    return {
      id: id('Contact', 'INTERCOM', raw.id),
      displayName: intercomName(raw),
      tags,
      companies: companies.map((company) => ({
        id: id('Company', 'INTERCOM', company.id),
        name: mapCompany(company).name,
      })),
    };
  });
  return JSON.stringify({ data: { contacts: { nodes } } });
}

/**
 * What the gateway gives as displayName: the list item's name when it has one, else what mapContact makes of the full
 * record (its email or phone channel; a list item has no channels), without reading phones unless it must.
 */
function backsideName(item: Json, full: Json): string {
  const name = text(item.display_name) ?? [text(item.given_name), text(item.family_name)].filter(Boolean).join(' ');
  return name || backsideContact(full ?? item, MAP).displayName;
}

async function opC({ first = 50, after }: Variables = {}): Promise<string> {
  const page = after ? `&cursor=${encodeURIComponent(after)}` : '';
  const list = await backsideGet(`/api/v1/contacts?limit=${first}${page}`);
  const items: Json[] = list.data;
  // One read per distinct record within the request, whether it is on the page, an organization, or both.
  const records = new Map<string, Promise<Json>>();
  const record = (contactId: string) => {
    let found = records.get(contactId);
    if (!found) {
      found = backsideGet(`/api/v1/contacts/${contactId}`);
      records.set(contactId, found);
    }
    return found;
  };
  for (const item of items) record(item.id);
  const nodes = await Promise.all(
    items.map(async (item) => {
      const full = await record(item.id);
      // Organizations are asked for as soon as the contact naming them arrives; one on the page is its own read.
      const affiliations: Json[] = full
        ? (full.affiliations ?? (await backsideGet(`/api/v1/contacts/${item.id}/affiliations`)) ?? [])
        : [];
      const refs = distinctRecords(
        affiliations.filter((affiliation) => isPathSegment(affiliation.organization_id)),
        (affiliation) => affiliation.organization_id,
      );
      const organizations = await Promise.all(refs.map((affiliation) => record(affiliation.organization_id)));
      return {
        id: id('Contact', 'BACKSIDE', item.id),
        displayName: backsideName(item, full),
        channels: backsideChannels(full?.channels ?? [], MAP, full).map((channel) => ({
          type: channel.type,
          value: channel.value,
        })),
        tags: distinctRecords((full?.tags ?? []) as Json[], (tag) => tag.id).map((raw) => {
          const tag = backsideTag(raw);
          return { id: id('Tag', 'BACKSIDE', tag.sourceId), name: tag.name };
        }),
        companies: organizations
          .filter((organization) => organization !== null)
          .map((organization) => ({
            id: id('Company', 'BACKSIDE', organization.id),
            name: mapOrganization(organization).name,
          })),
      };
    }),
  );
  return JSON.stringify({ data: { contacts: { nodes } } });
}

// Av, Bv and Cv (the varied workloads) are A, B and C with variables: a contact's id, a page's size and the upstream's
// own cursor.
const OPERATIONS: Record<string, (variables: Variables) => Promise<string>> = {
  A: opA,
  B: opB,
  C: opC,
  Av: opA,
  Bv: opB,
  Cv: opC,
  D: async () => '{"data":{"__typename":"Query"}}',
};

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk;
  });
  req.on('end', () => {
    const request = JSON.parse(body);
    const name = /query\s+(\w+)/.exec(request.query)?.[1] ?? '';
    const operation = OPERATIONS[name];
    if (!operation) {
      res.writeHead(400).end();
      return;
    }
    operation(request.variables ?? {}).then(
      (json) => res.writeHead(200, { 'content-type': 'application/json' }).end(json),
      (error) => {
        console.error(error);
        res.writeHead(502).end();
      },
    );
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`ready ${process.pid}`));
