// Per-item isolation, through the real gateway (graphql-jit on) over the loopback fakes with faults injected:
// - `nodes(ids:)` keeps every item that resolved and answers null plus an error at ['nodes', i] for each that failed
//   (a failing source, an id that does not decode), `node(id:)` fails at ['node'], the rest of `data` is kept, and
//   one source's items are still read in one batch;
// - a failed Intercom batch search falls back to one GET per id, each succeeding or failing on its own (not when the
//   search was refused for our credential);
// - a `contacts` list whose sources all fail is an empty page with one error per source, `data` kept;
// - a walk that stops at its page limit on a sparse filter hands back a cursor that resumes it, to the end.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../src/demo/http.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A fresh gateway per test: no retries (exact call counts) and a circuit that stays closed through the faults. */
async function start(): Promise<Stack> {
  stack = await startStack({
    gateway: { upstream: { timeoutMs: 2000, concurrency: 8, retries: 0, breakerThreshold: 1000 } },
  });
  return stack;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
/** A 200 whose JSON is cut off: UPSTREAM_BAD_RESPONSE, never retried. */
const malformed = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"type":"list","data":[{"type":"contact",');
};
const globalId = (text: string) => Buffer.from(text).toString('base64url');
const paths = (calls: RecordedCall[]) => calls.map((call) => `${call.method} ${call.path}`).sort();
const located = (errors: { path?: unknown; extensions?: unknown }[] | undefined) =>
  (errors ?? [])
    .map((error) => [error.path, { ...(error.extensions as object), requestId: undefined }])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

function backsideA(s: Stack): BacksideContact[] {
  const tenant = s.upstreams.seed.backside.tenants[0]?.id;
  return s.upstreams.seed.backside.contacts.filter((c) => c.tenant_id === tenant && !c.deleted_at);
}
function intercomSearchable(s: Stack): IntercomContact[] {
  const { contacts, archived, merged, searchLag } = s.upstreams.seed.intercom;
  return contacts.filter((c) => !archived.includes(c.id) && !(c.id in merged) && !searchLag.includes(c.id));
}

const NODES = `query($ids: [ID!]!, $one: ID!) {
  nodes(ids: $ids) { id ... on Contact { source sourceId } }
  node(id: $one) { id }
  sources { source configured }
}`;

describe('nodes(ids:) and node(id:): each item on its own', () => {
  it('keeps the Backside items when Intercom fails, with an error per failed item, batched per source', async () => {
    const s = await start();
    const [b1, b2] = backsideA(s) as [BacksideContact, BacksideContact];
    const [i1, i2, i3] = intercomSearchable(s) as [IntercomContact, IntercomContact, IntercomContact];
    s.upstreams.intercom.use((_req, res) => {
      malformed(res);
      return true;
    });
    const ids = [
      `Contact:BACKSIDE:${b1.id}`,
      `Contact:INTERCOM:${i1.id}`,
      `Contact:INTERCOM:${i2.id}`,
      `Contact:BACKSIDE:${b2.id}`,
    ].map(globalId);
    const response = await s.query(NODES, {
      ids: [...ids, 'bm9wZQ'], // the last does not decode
      one: globalId(`Contact:INTERCOM:${i3.id}`),
    });
    expect(response.data).toEqual({
      nodes: [
        { id: ids[0], source: 'BACKSIDE', sourceId: b1.id },
        null,
        null,
        { id: ids[3], source: 'BACKSIDE', sourceId: b2.id },
        null,
      ],
      node: null,
      sources: [
        { source: 'BACKSIDE', configured: true },
        { source: 'INTERCOM', configured: true },
      ],
    });
    const bad = { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' };
    expect(located(response.errors)).toEqual([
      [['node'], bad],
      [['nodes', 1], bad],
      [['nodes', 2], bad],
      [['nodes', 4], { code: 'BAD_USER_INPUT' }],
    ]);
    // Intercom: the three ids of this request in one search (it failed), then one GET each (they failed too).
    expect(paths(s.upstreams.intercom.calls)).toEqual(
      [`GET /contacts/${i1.id}`, `GET /contacts/${i2.id}`, `GET /contacts/${i3.id}`, 'POST /contacts/search'].sort(),
    );
    expect(s.upstreams.intercom.calls.find((call) => call.method === 'POST')?.body).toMatchObject({
      query: { field: 'id', operator: 'IN', value: [i1.id, i2.id, i3.id] },
    });
    expect(paths(s.upstreams.backside.calls)).toEqual(
      [`GET /api/v1/contacts/${b1.id}`, `GET /api/v1/contacts/${b2.id}`].sort(),
    );
  });
});

describe('a failed Intercom batch search', () => {
  it('falls back to one GET per id, each succeeding or failing on its own', async () => {
    const s = await start();
    const [i1, i2, i3] = intercomSearchable(s) as [IntercomContact, IntercomContact, IntercomContact];
    s.upstreams.intercom.use((_req, res, call) => {
      if (call.path === '/contacts/search' || call.path === `/contacts/${i2.id}`) {
        malformed(res);
        return true;
      }
      return false;
    });
    const ids = [i1, i2, i3].map((c) => globalId(`Contact:INTERCOM:${c.id}`));
    const response = await s.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { sourceId } } }', {
      ids,
    });
    expect(response.data).toEqual({ nodes: [{ sourceId: i1.id }, null, { sourceId: i3.id }] });
    expect(located(response.errors)).toEqual([[['nodes', 1], { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' }]]);
    expect(paths(s.upstreams.intercom.calls)).toEqual(
      ['POST /contacts/search', ...[i1, i2, i3].map((c) => `GET /contacts/${c.id}`)].sort(),
    );
  });

  it('does not fall back when Intercom refused the gateway’s credential: one call, every Intercom item failed', async () => {
    const s = await start();
    const b1 = backsideA(s)[0] as BacksideContact;
    const [i1, i2] = intercomSearchable(s) as [IntercomContact, IntercomContact];
    s.upstreams.intercom.use((_req, res) => {
      json(res, 401, { type: 'error.list', request_id: 'r1', errors: [{ code: 'unauthorized', message: 'no' }] });
      return true;
    });
    const ids = [`Contact:INTERCOM:${i1.id}`, `Contact:BACKSIDE:${b1.id}`, `Contact:INTERCOM:${i2.id}`].map(globalId);
    const response = await s.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { sourceId } } }', {
      ids,
    });
    expect(response.data).toEqual({ nodes: [null, { sourceId: b1.id }, null] });
    const refused = { code: 'UPSTREAM_UNAUTHORIZED', source: 'INTERCOM' };
    expect(located(response.errors)).toEqual([
      [['nodes', 0], refused],
      [['nodes', 2], refused],
    ]);
    expect(paths(s.upstreams.intercom.calls)).toEqual(['POST /contacts/search']);
  });
});

describe('contacts when every source fails', () => {
  it('answers an empty connection with one error per source at contacts, and keeps the rest of data', async () => {
    const s = await start();
    s.upstreams.backside.use((_req, res) => {
      json(res, 401, { error: { code: 'unauthorized', message: 'Invalid API key' } });
      return true;
    });
    s.upstreams.intercom.use((_req, res) => {
      malformed(res);
      return true;
    });
    const response = await s.query(`{
      contacts(first: 5) { edges { cursor } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      sources { source configured }
    }`);
    expect(response.data).toEqual({
      contacts: {
        edges: [],
        nodes: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      },
      sources: [
        { source: 'BACKSIDE', configured: true },
        { source: 'INTERCOM', configured: true },
      ],
    });
    expect(
      (response.errors ?? [])
        .map((error) => {
          const { requestId: _requestId, ...extensions } = error.extensions as { requestId?: string; source: string };
          return { path: error.path, extensions };
        })
        .sort((a, b) => a.extensions.source.localeCompare(b.extensions.source))
        .map(({ path, extensions }) => [path, extensions]),
    ).toEqual([
      [['contacts'], { code: 'UPSTREAM_UNAUTHORIZED', source: 'BACKSIDE' }],
      [['contacts'], { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' }],
    ]);
    expect(s.calls()).toEqual({ backside: 1, intercom: 1 });
  });
});

describe('a walk that stops at its page limit', () => {
  it('hands back an endCursor that resumes it, until every sparse match is read and hasNextPage is false', async () => {
    const s = await start();
    // Backside cannot search by update time: the gateway finishes the filter on each page. Pick a time after every
    // update of the first 30 contacts in list order, so the first walks scan page after page without a match.
    const tenant = s.upstreams.seed.backside.tenants[0]?.id;
    const all = s.upstreams.seed.backside.contacts.filter((c) => c.tenant_id === tenant);
    const listed = [...all].sort(
      (a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id),
    );
    const pivot = Math.max(...listed.slice(0, 30).map((c) => Date.parse(c.updated_at as string)));
    const expected = all.filter((c) => Date.parse(c.updated_at as string) > pivot).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(0);
    const seen: string[] = [];
    let after: string | null = null;
    let calls = 0;
    for (;;) {
      const response: any = await s.query(
        `query($after: String, $since: DateTime!) {
          contacts(first: 2, after: $after, sources: [BACKSIDE], filter: { updatedAfter: $since }) {
            nodes { sourceId } pageInfo { hasNextPage endCursor }
          }
        }`,
        { after, since: new Date(pivot).toISOString() },
      );
      expect(response.errors).toBeUndefined();
      const { nodes, pageInfo } = response.data.contacts;
      seen.push(...nodes.map((node: { sourceId: string }) => node.sourceId));
      calls += 1;
      if (!pageInfo.hasNextPage) break;
      // hasNextPage with no way to go on would make a client following it spin (or start over).
      expect(pageInfo.endCursor).toEqual(expect.any(String));
      after = pageInfo.endCursor;
      expect(calls).toBeLessThan(50);
    }
    expect(seen.sort()).toEqual(expected.sort());
    // Resuming where the walk stopped never scans the empty stretch again: at most one list call per contact.
    expect(s.upstreams.backside.count({ path: '/api/v1/contacts' })).toBeLessThanOrEqual(listed.length);
  });
});
