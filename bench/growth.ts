// Cost as work grows (issue 15, part 2): upstream calls by route and time per request for `contacts(first: N)` and
// `nodes(ids:)` with every child field, N = 10, 50, 100, per source and both, at 0 and 20 ms upstream latency.
// The real gateway (createGateway, in process) over the loopback fakes, one request at a time. The demo seed holds
// fewer than 100 contacts per source, so this script adds generated ones (here, not in src/) before the fakes start.
// Each cell's calls are counted on a fresh gateway (cold: no cached tag list), then checked against the formula the
// upstream APIs force, computed from the answer itself. Writes the tables into bench/GROWTH.md between the markers.
// Usage: npx tsx bench/growth.ts [--runs 7]
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  createSeed,
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  type RecordedCall,
  type Seed,
  startDemoUpstreams,
} from '../src/demo/index.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact, IntercomNote } from '../src/upstream/intercom/types.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { CONTACT_FIELDS } from '../test/helpers/stack.js';

const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 7;
const SIZES = [10, 50, 100] as const;
const LATENCIES = [0, 20] as const;
const EXTRA = 60; // generated contacts per source: both end up well over 100
const OUT = new URL('./GROWTH.md', import.meta.url);

// ------------------------------------------------------------------------------------------------ a larger seed

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function largerSeed(): Seed {
  const seed = createSeed();
  // Backside: copies of tenant A's people (affiliations, tags, dates kept: same organizations), new ids and emails.
  const tenantA = seed.backside.tenants[0]?.id;
  const people = seed.backside.contacts.filter((c) => c.tenant_id === tenantA && c.kind === 'person' && !c.deleted_at);
  for (let i = 0; i < EXTRA; i++) {
    const copy = structuredClone(people[i % people.length] as BacksideContact);
    const id = `b0000000-0000-4000-8000-${hex(i, 12)}`;
    copy.id = id;
    for (const list of [copy.channels, copy.addresses, copy.affiliations, copy.dates]) {
      for (const [index, item] of (list ?? []).entries()) {
        const child = item as { id: string; contact_id?: string; value?: string; canonical_value?: string | null };
        child.id = `b1${hex(i, 6)}-0000-4000-8000-${hex(index, 12)}`;
        child.contact_id = id;
        if (child.value?.includes('@')) {
          child.value = `bench${i}.${child.value}`;
          child.canonical_value = child.value.toLowerCase();
        }
      }
    }
    seed.backside.contacts.push(copy);
  }
  // Intercom: copies of searchable, ordinary contacts with their tags, companies and notes (notes copied too).
  const data = seed.intercom;
  const unusual = new Set([...data.archived, ...data.searchLag, ...Object.values(data.merged)]);
  const sources = data.contacts.filter((c) => !unusual.has(c.id));
  for (let i = 0; i < EXTRA; i++) {
    const from = sources[i % sources.length] as IntercomContact;
    const copy = structuredClone(from);
    copy.id = `be${hex(i, 22)}`;
    if (copy.email) copy.email = `bench${i}.${copy.email.trim()}`;
    copy.external_id = null;
    data.contactTags[copy.id] = [...(data.contactTags[from.id] ?? [])];
    data.contactCompanies[copy.id] = [...(data.contactCompanies[from.id] ?? [])];
    const notes: IntercomNote[] = data.notes
      .filter((note) => note.contact?.id === from.id)
      .map((note, n) => ({ ...note, id: String(30000000 + i * 100 + n), contact: { type: 'contact', id: copy.id } }));
    data.notes.push(...notes);
    if (copy.notes) {
      copy.notes = {
        ...copy.notes,
        data: notes.slice(0, 10).map((note) => ({ type: 'note', id: note.id, url: `/notes/${note.id}` })),
      };
    }
    data.contacts.push(copy);
  }
  return seed;
}

// ------------------------------------------------------------------------------------------------ the requests

type Source = 'BACKSIDE' | 'INTERCOM';

interface ContactAnswer {
  id: string;
  source: Source;
  sourceId: string;
  tags: unknown[];
  notes: unknown[];
  companies: { id: string; sourceId: string }[];
  affiliations: { company: { id: string } }[];
}

const contactsQuery = (sources: Source[]) =>
  `query Growth($first: Int!) { contacts(first: $first, sources: [${sources.join(', ')}]) { edges { node { ${CONTACT_FIELDS} } } } }`;
const nodesQuery = `query Growth($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { ${CONTACT_FIELDS} } } }`;

interface Answer {
  data?: { contacts?: { edges: { node: ContactAnswer }[] }; nodes?: (ContactAnswer | null)[] } | null;
  errors?: { message: string }[];
}

function newGateway(upstreams: DemoUpstreams): Gateway {
  // As src/index.ts builds it with the demo's upstreams: every default (concurrency 16 per source, dedupe, jit).
  return createGateway({
    backside: { baseUrl: upstreams.backside.url, apiKey: DEMO_BACKSIDE_API_KEY },
    intercom: { baseUrl: upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
    defaultRegion: 'US',
    graphiql: false,
    logging: false,
  });
}

async function ask(gateway: Gateway, query: string, variables: Record<string, unknown>): Promise<ContactAnswer[]> {
  const response = await gateway.fetch('http://gateway.bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as Answer;
  if (answer.errors?.length) throw new Error(`GraphQL errors: ${answer.errors.map((e) => e.message).join('; ')}`);
  const contacts = answer.data?.contacts?.edges.map((edge) => edge.node) ?? answer.data?.nodes ?? [];
  if (contacts.some((contact) => contact === null)) throw new Error('nodes: an id answered null');
  return contacts as ContactAnswer[];
}

// ------------------------------------------------------------------------------------------------ calls and formula

/** `GET /contacts/5ba6…/notes` → `GET /contacts/{id}/notes`: every segment that is not a route word is an id. */
const WORDS = new Set([
  'api',
  'v1',
  'contacts',
  'search',
  'tags',
  'companies',
  'notes',
  'affiliations',
  'find-by-channel',
  'find_by_external_id',
]);
const template = (call: RecordedCall) =>
  `${call.method} ${call.path
    .split('/')
    .map((segment) => (segment === '' || WORDS.has(segment) ? segment : '{id}'))
    .join('/')}`;

function callsByRoute(upstreams: DemoUpstreams): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [prefix, calls] of [
    ['B', upstreams.backside.calls],
    ['I', upstreams.intercom.calls],
  ] as const) {
    for (const call of calls) {
      const key = `${prefix} ${template(call)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * What the upstream APIs force for this answer, cold (the tag list not yet cached):
 * - Intercom: the contacts themselves (one `GET /contacts` page of up to 150 for a list; ⌈ids/100⌉ searches for
 *   nodes, as `id IN` takes 100 ids a search here), one `GET /tags`, one `GET /companies/{id}` per distinct company
 *   (no batch get), one `GET /contacts/{id}/notes` per contact with notes (the inline refs carry no body), and the
 *   contact's own tag or company list only past the 10 inline refs.
 * - Backside: ⌈N/100⌉ list pages for a list, then one `GET /contacts/{id}` per distinct record (list items carry no
 *   related arrays) and per distinct organization its affiliations name (no batch get).
 */
function forced(
  kind: 'contacts' | 'nodes',
  contacts: ContactAnswer[],
  pagesBySource: Map<Source, number>,
  lagging: ReadonlySet<string>,
): { forced: number; overlap: number } {
  let total = 0;
  let overlap = 0;
  const intercom = contacts.filter((c) => c.source === 'INTERCOM');
  const backside = contacts.filter((c) => c.source === 'BACKSIDE');
  if (intercom.length > 0) {
    total += kind === 'contacts' ? (pagesBySource.get('INTERCOM') ?? 0) : Math.ceil(intercom.length / 100);
    if (intercom.some((c) => c.tags.length > 0)) total += 1;
    // A contact past the 10 inline company refs reads its own company list, which answers those companies whole.
    const listed = new Set(
      intercom.filter((c) => c.companies.length > 10).flatMap((c) => c.companies.map((company) => company.sourceId)),
    );
    const inline = intercom.filter((c) => c.companies.length <= 10).flatMap((c) => c.companies);
    const inlineIds = new Set(inline.map((company) => company.sourceId));
    total += [...inlineIds].filter((id) => !listed.has(id)).length;
    overlap += [...inlineIds].filter((id) => listed.has(id)).length;
    // An id the (eventually consistent) search does not find yet is read by GET.
    if (kind === 'nodes') total += intercom.filter((c) => lagging.has(c.sourceId)).length;
    total += intercom.filter((c) => c.notes.length > 0).length;
    total += intercom.filter((c) => c.tags.length > 10).length + intercom.filter((c) => c.companies.length > 10).length;
  }
  if (backside.length > 0) {
    if (kind === 'contacts') total += pagesBySource.get('BACKSIDE') ?? 0;
    const records = new Set(backside.map((c) => c.sourceId));
    for (const c of backside) for (const company of c.companies) records.add(company.sourceId);
    total += records.size;
  }
  return { forced: total, overlap };
}

// ------------------------------------------------------------------------------------------------ the run

interface Cell {
  query: string;
  n: number;
  routes: Record<string, number>;
  calls: number;
  warmCalls: number;
  forced: number;
  /** Companies read by GET that a contact's own company list in the same request answered as well. */
  overlap: number;
  ms: Record<number, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main() {
  const upstreams = await startDemoUpstreams({ seed: largerSeed(), latencyMs: 0 });
  const setLatency = (ms: number) => {
    upstreams.backside.setLatency(ms);
    upstreams.intercom.setLatency(ms);
  };
  const reset = () => {
    upstreams.backside.reset();
    upstreams.intercom.reset();
  };

  // Ids for nodes(ids:): the first 100 of each source's list (setup, not measured).
  const setup = newGateway(upstreams);
  const idsOf = async (source: Source) =>
    (await ask(setup, `query { contacts(first: 100, sources: [${source}]) { edges { node { id } } } }`, {})).map(
      (c) => c.id,
    );
  const ids = { BACKSIDE: await idsOf('BACKSIDE'), INTERCOM: await idsOf('INTERCOM') };
  // Backside's list starts with organizations and groups: people first here, so the ids' affiliations name
  // organizations outside the ids (the per-organization GETs show).
  const kinds = await ask(setup, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { kind } } }`, {
    ids: ids.BACKSIDE,
  });
  const people = new Set(kinds.filter((c) => (c as unknown as { kind: string }).kind === 'PERSON').map((c) => c.id));
  ids.BACKSIDE = [...ids.BACKSIDE.filter((id) => people.has(id)), ...ids.BACKSIDE.filter((id) => !people.has(id))];
  const lagging = new Set(upstreams.seed.intercom.searchLag);
  for (const source of ['BACKSIDE', 'INTERCOM'] as const) {
    if (ids[source].length < 100) throw new Error(`${source}: only ${ids[source].length} contacts listed`);
  }
  const mixed = (n: number) => [...ids.BACKSIDE.slice(0, n / 2), ...ids.INTERCOM.slice(0, n / 2)];

  const cases: {
    query: string;
    kind: 'contacts' | 'nodes';
    n: number;
    run: (g: Gateway) => Promise<ContactAnswer[]>;
  }[] = [];
  for (const sources of [['INTERCOM'], ['BACKSIDE'], ['BACKSIDE', 'INTERCOM']] as Source[][]) {
    const query = contactsQuery(sources);
    for (const n of SIZES) {
      cases.push({
        query: `contacts(first: N, sources: [${sources.join(', ')}])`,
        kind: 'contacts',
        n,
        run: (g) => ask(g, query, { first: n }),
      });
    }
  }
  for (const [label, pick] of [
    ['INTERCOM ids', (n: number) => ids.INTERCOM.slice(0, n)],
    ['BACKSIDE ids', (n: number) => ids.BACKSIDE.slice(0, n)],
    ['mixed ids (half each)', mixed],
  ] as const) {
    for (const n of SIZES) {
      cases.push({ query: `nodes(ids: ${label})`, kind: 'nodes', n, run: (g) => ask(g, nodesQuery, { ids: pick(n) }) });
    }
  }

  const cells: Cell[] = [];
  for (const c of cases) {
    // Calls, cold: a fresh gateway, no latency.
    setLatency(0);
    const gateway = newGateway(upstreams);
    reset();
    const answer = await c.run(gateway);
    if (answer.length !== c.n) throw new Error(`${c.query} N=${c.n}: ${answer.length} contacts answered`);
    const routes = callsByRoute(upstreams);
    const pages = new Map<Source, number>([
      ['INTERCOM', routes['I GET /contacts'] ?? 0],
      ['BACKSIDE', routes['B GET /api/v1/contacts'] ?? 0],
    ]);
    const calls = Object.values(routes).reduce((a, b) => a + b, 0);
    reset();
    await c.run(gateway);
    const warmCalls = upstreams.backside.calls.length + upstreams.intercom.calls.length;
    const ms: Record<number, number> = {};
    for (const latency of LATENCIES) {
      setLatency(latency);
      await c.run(gateway); // warm-up at this latency
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await c.run(gateway);
        times.push(performance.now() - start);
      }
      ms[latency] = median(times);
    }
    reset();
    const cell = { query: c.query, n: c.n, routes, calls, warmCalls, ...forced(c.kind, answer, pages, lagging), ms };
    cells.push(cell);
    console.log(
      `${c.query} N=${c.n}: ${calls} calls cold (${warmCalls} warm), forced ${cell.forced}, overlap ${cell.overlap}; ` +
        `p50 ${ms[0]?.toFixed(1)} ms @0, ${ms[20]?.toFixed(1)} ms @20`,
    );
  }
  await upstreams.close();
  writeResults(cells);
}

function writeResults(cells: Cell[]) {
  const cpus = os.cpus();
  const lines: string[] = [
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}. ` +
      `Command: \`npx tsx bench/growth.ts\` (\`npm run bench:growth\`), ${RUNS} timed runs per cell and latency.`,
    '',
    'Calls are those of the first request on a fresh gateway (cold); "warm" is the same request again on that gateway ' +
      '(the tag list is cached for a minute). "Forced" is the least the APIs force for that answer (formula above, ' +
      'computed from the answer); "overlap" counts `GET /companies/{id}` for companies that a ' +
      '`GET /contacts/{id}/companies` of the same request also answered (see Findings). ' +
      'Routes: B = Backside (`/api/v1/contacts…`), I = Intercom.',
    '',
    '| query | N | calls by route (cold) | total cold | warm | forced | over forced (of it: overlap) | ms p50 @0 ms | ms p50 @20 ms |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const cell of cells) {
    const routes = Object.entries(cell.routes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, count]) => `${route.replace('/api/v1', '')} ×${count}`)
      .join('<br>');
    const over = cell.calls - cell.forced;
    lines.push(
      `| \`${cell.query}\` | ${cell.n} | ${routes} | ${cell.calls} | ${cell.warmCalls} | ${cell.forced} | ` +
        `${over === 0 ? '0' : `${over} (${cell.overlap})`} | ` +
        `${cell.ms[0]?.toFixed(1)} | ${cell.ms[20]?.toFixed(1)} |`,
    );
  }
  const begin = '<!-- growth:begin -->';
  const end = '<!-- growth:end -->';
  let text: string;
  try {
    text = readFileSync(OUT, 'utf8');
  } catch {
    text = `# Cost as work grows\n\n${begin}\n${end}\n`;
  }
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error('bench/GROWTH.md: growth markers missing');
  writeFileSync(OUT, `${text.slice(0, from + begin.length)}\n${lines.join('\n')}\n${text.slice(to)}`);
  console.log(`Wrote ${OUT.pathname}`);
}

await main();
