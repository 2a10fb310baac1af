// Upstream answers are checked before they are trusted, and ids are checked before they are sent. Through the real
// gateway over the loopback fakes, with faults injected in the upstreams' own formats:
// - a single record read by id must answer that id (Backside and Intercom contacts, Intercom companies; after an
//   Intercom 410 merge, the canonical id), else UPSTREAM_BAD_RESPONSE with the source, the rest of `data` kept;
// - a record repeated in one list answer is listed once (Backside list, Intercom list, search, tags, notes, companies);
// - a caller's id that cannot be one path segment ('', '.', '..', over 256 characters, a lone surrogate) is
//   BAD_USER_INPUT with zero upstream calls, also inside a global id; such ids coming from upstream data (an
//   affiliation's organization, a company ref, a list item, the 410 Link) are never sent.
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstream, RecordedCall } from '../src/demo/http.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import { MAX_ID_LENGTH } from '../src/upstream/path.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack;
const removers: (() => void)[] = [];
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.reset());
afterEach(() => {
  for (const remove of removers.splice(0)) remove();
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Answers `GET path` (exactly) on one fake with `body`; every other call goes to the fake as usual. */
function answer(fake: FakeUpstream, method: string, path: string, body: unknown, status = 200, headers = {}) {
  removers.push(
    fake.use((_req, res, call) => {
      if (call.method !== method || call.path !== path) return false;
      json(res, status, body, headers);
      return true;
    }),
  );
}

const globalId = (text: string) => Buffer.from(text).toString('base64url');
const paths = (calls: RecordedCall[]) => calls.map((call) => `${call.method} ${call.path}`);

function backsideA(): BacksideContact[] {
  const tenant = stack.upstreams.seed.backside.tenants[0]?.id;
  return stack.upstreams.seed.backside.contacts.filter((c) => c.tenant_id === tenant && !c.deleted_at);
}
function intercomReadable(): IntercomContact[] {
  const { contacts, archived, merged } = stack.upstreams.seed.intercom;
  return contacts.filter((c) => !archived.includes(c.id) && !(c.id in merged));
}

describe('a single record must answer the id asked', () => {
  it('node(id:) of a Backside contact answered with another contact: UPSTREAM_BAD_RESPONSE at node, sources kept', async () => {
    const [asked, other] = backsideA() as [BacksideContact, BacksideContact];
    answer(stack.upstreams.backside, 'GET', `/api/v1/contacts/${asked.id}`, other);
    const response = await stack.query(
      'query($id: ID!) { node(id: $id) { id ... on Contact { sourceId } } sources { source } }',
      { id: globalId(`Contact:BACKSIDE:${asked.id}`) },
    );
    expect(response.data?.node).toBeNull();
    expect(response.data?.sources).toHaveLength(2);
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0]).toMatchObject({
      path: ['node'],
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'BACKSIDE', requestId: expect.any(String) },
    });
    expect(JSON.stringify(response)).not.toContain(other.id);
    expect(paths(stack.upstreams.backside.calls)).toEqual([`GET /api/v1/contacts/${asked.id}`]);
  });

  it('an Intercom contact answered with another contact: UPSTREAM_BAD_RESPONSE; the other field is kept', async () => {
    const [asked, other] = intercomReadable() as [IntercomContact, IntercomContact];
    answer(stack.upstreams.intercom, 'GET', `/contacts/${asked.id}`, other);
    const response = await stack.query(
      'query($a: String!, $b: String!) { a: contactBySourceId(source: INTERCOM, sourceId: $a) { sourceId } b: contactBySourceId(source: BACKSIDE, sourceId: $b) { sourceId } }',
      { a: asked.id, b: backsideA()[0]?.id },
    );
    expect(response.data).toEqual({ a: null, b: { sourceId: backsideA()[0]?.id } });
    expect(response.errors?.map((e) => [e.path, { ...e.extensions, requestId: undefined }])).toEqual([
      [['a'], { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' }],
    ]);
    // A lone id is one GET, and a wrong answer is not retried.
    expect(paths(stack.upstreams.intercom.calls)).toEqual([`GET /contacts/${asked.id}`]);
  });

  it('compares Intercom ids as strings: a numeric id answering the same number passes, another number does not', async () => {
    const template = intercomReadable()[0] as IntercomContact;
    answer(stack.upstreams.intercom, 'GET', '/contacts/12345', { ...template, id: 12345 });
    answer(stack.upstreams.intercom, 'GET', '/contacts/123456', { ...template, id: 12345 });
    const response = await stack.query(`{
      same: contactBySourceId(source: INTERCOM, sourceId: "12345") { sourceId }
      other: contactBySourceId(source: INTERCOM, sourceId: "123456") { sourceId }
    }`);
    expect(response.data).toEqual({ same: { sourceId: '12345' }, other: null });
    expect(response.errors?.map((e) => [e.path, { ...e.extensions, requestId: undefined }])).toEqual([
      [['other'], { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' }],
    ]);
  });

  it('an Intercom company answered with another company: UPSTREAM_BAD_RESPONSE at node', async () => {
    const [asked, other] = stack.upstreams.seed.intercom.companies;
    answer(stack.upstreams.intercom, 'GET', `/companies/${asked?.id}`, other);
    const response = await stack.query('query($id: ID!) { node(id: $id) { id ... on Company { name } } }', {
      id: globalId(`Company:INTERCOM:${asked?.id}`),
    });
    expect(response.data).toEqual({ node: null });
    expect(response.errors?.[0]).toMatchObject({
      path: ['node'],
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM', requestId: expect.any(String) },
    });
  });

  it('after a 410 merge the follow-up GET must answer the canonical id', async () => {
    const [mergedId, canonicalId] = Object.entries(stack.upstreams.seed.intercom.merged)[0] as [string, string];
    const stranger = intercomReadable().find((c) => c.id !== canonicalId) as IntercomContact;
    answer(stack.upstreams.intercom, 'GET', `/contacts/${canonicalId}`, stranger);
    const response = await stack.query(
      'query($id: String!) { c: contactBySourceId(source: INTERCOM, sourceId: $id) { sourceId } }',
      {
        id: mergedId,
      },
    );
    expect(response.data).toEqual({ c: null });
    expect(response.errors?.[0]).toMatchObject({
      path: ['c'],
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM', requestId: expect.any(String) },
    });
    expect(paths(stack.upstreams.intercom.calls)).toEqual([
      `GET /contacts/${mergedId}`,
      `GET /contacts/${canonicalId}`,
    ]);
  });
});

describe('a record repeated in one list answer is listed once, the first kept', () => {
  it('Backside list: a repeated record and one whose id cannot be sent back are dropped', async () => {
    const [a, b, c] = backsideA() as [BacksideContact, BacksideContact, BacksideContact];
    const summary = ({
      channels: _c,
      tags: _t,
      addresses: _a,
      affiliations: _f,
      dates: _d,
      ...rest
    }: BacksideContact) => rest;
    answer(stack.upstreams.backside, 'GET', '/api/v1/contacts', {
      data: [summary(a), { ...summary(a), display_name: 'Second copy' }, { ...summary(b), id: '..' }, summary(c)],
      next_cursor: null,
    });
    const response = await stack.query(
      '{ contacts(first: 10, sources: [BACKSIDE]) { edges { cursor } nodes { sourceId displayName email } } }',
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.contacts.nodes.map((n: { sourceId: string }) => n.sourceId)).toEqual([a.id, c.id]);
    expect(response.data?.contacts.nodes[0].displayName).not.toBe('Second copy');
    // `email` reads each full record once; the dropped '..' is never sent (it would be the list again).
    expect(paths(stack.upstreams.backside.calls).sort()).toEqual(
      ['GET /api/v1/contacts', `GET /api/v1/contacts/${a.id}`, `GET /api/v1/contacts/${c.id}`].sort(),
    );
  });

  it('Intercom list and search pages', async () => {
    const [a, b] = intercomReadable() as [IntercomContact, IntercomContact];
    const list = { type: 'list', data: [a, b, a], total_count: 3, pages: { type: 'pages', page: 1, total_pages: 1 } };
    answer(stack.upstreams.intercom, 'GET', '/contacts', list);
    answer(stack.upstreams.intercom, 'POST', '/contacts/search', list);
    const response = await stack.query(`{
      all: contacts(first: 10, sources: [INTERCOM]) { nodes { sourceId } }
      found: contacts(first: 10, sources: [INTERCOM], filter: { query: "a" }) { nodes { sourceId } }
    }`);
    expect(response.errors).toBeUndefined();
    expect(response.data?.all.nodes).toEqual([{ sourceId: a.id }, { sourceId: b.id }]);
    expect(response.data?.found.nodes).toEqual([{ sourceId: a.id }, { sourceId: b.id }]);
  });

  it('Intercom sub-lists: a contact’s tags, companies and notes, and inline company refs', async () => {
    const seed = stack.upstreams.seed.intercom;
    const contact = intercomReadable()[0] as IntercomContact;
    const [t1, t2] = seed.tags;
    const [c1, c2] = seed.companies;
    const note = seed.notes[0];
    // More than the inline refs hold: the sub-list endpoints are read.
    const more = (type: string, id: string | undefined) => ({
      type: 'list',
      data: [{ type, id }],
      url: '',
      total_count: 30,
      has_more: true,
    });
    answer(stack.upstreams.intercom, 'GET', `/contacts/${contact.id}`, {
      ...contact,
      tags: more('tag', t1?.id),
      companies: more('company', c1?.id),
      notes: more('note', note?.id),
    });
    answer(stack.upstreams.intercom, 'GET', `/contacts/${contact.id}/tags`, { type: 'list', data: [t1, t2, t1] });
    answer(stack.upstreams.intercom, 'GET', `/contacts/${contact.id}/companies`, {
      type: 'list',
      data: [c1, c1, c2],
    });
    answer(stack.upstreams.intercom, 'GET', `/contacts/${contact.id}/notes`, {
      type: 'list',
      data: [note, note],
      total_count: 2,
    });
    const refs = intercomReadable()[1] as IntercomContact;
    answer(stack.upstreams.intercom, 'GET', `/contacts/${refs.id}`, {
      ...refs,
      companies: {
        type: 'list',
        data: [
          { type: 'company', id: c2?.id },
          { type: 'company', id: c2?.id },
        ],
        total_count: 2,
        has_more: false,
      },
    });
    // One contact per request: a lone id is read by the GET answered above (two would be one search).
    const sub = 'query($id: String!) { contactBySourceId(source: INTERCOM, sourceId: $id) { ';
    const a = await stack.query(`${sub} tags { sourceId } companies { sourceId } notes { sourceId } } }`, {
      id: contact.id,
    });
    expect(a.errors).toBeUndefined();
    expect(a.data?.contactBySourceId).toEqual({
      tags: [{ sourceId: t1?.id }, { sourceId: t2?.id }],
      companies: [{ sourceId: c1?.id }, { sourceId: c2?.id }],
      notes: [{ sourceId: note?.id }],
    });
    const b = await stack.query(`${sub} companies { sourceId } } }`, { id: refs.id });
    expect(b.errors).toBeUndefined();
    expect(b.data?.contactBySourceId).toEqual({ companies: [{ sourceId: c2?.id }] });
  });
});

describe('an id that cannot be one path segment', () => {
  const BAD = ['..', '.', 'x'.repeat(MAX_ID_LENGTH + 1), '\ud800'];

  it.each(['BACKSIDE', 'INTERCOM'])(
    'contactBySourceId(%s): BAD_USER_INPUT with zero upstream calls',
    async (source) => {
      for (const id of [...BAD, '']) {
        const response = await stack.query(
          `query($id: String!) { c: contactBySourceId(source: ${source}, sourceId: $id) { id } sources { configured } }`,
          { id },
        );
        if (id === '\ud800') {
          // Not Unicode text: the request itself is refused (src/plugins/use-unicode-input.ts), like any bad variable.
          expect(response.data).toBeUndefined();
          expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
          continue;
        }
        expect(response.data, JSON.stringify(id)).toEqual({
          c: null,
          sources: [{ configured: true }, { configured: true }],
        });
        expect(
          response.errors?.map((e) => [e.path, e.extensions?.code]),
          JSON.stringify(id),
        ).toEqual([[['c'], 'BAD_USER_INPUT']]);
      }
      expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
    },
  );

  it('inside a global id, for every node type of both sources: BAD_USER_INPUT with zero upstream calls', async () => {
    const keys = ['..', '.', 'x'.repeat(MAX_ID_LENGTH + 1)].flatMap((bad) =>
      ['BACKSIDE', 'INTERCOM'].flatMap((source) => [
        `Contact:${source}:${bad}`,
        `Tag:${source}:${bad}`,
        `Company:${source}:${bad}`,
        `Note:${source}:${bad}:1`,
        `Note:${source}:1:${bad}`,
      ]),
    );
    for (const key of keys) {
      const id = globalId(key);
      const response = await stack.query('query($id: ID!) { node(id: $id) { id } c: contact(id: $id) { id } }', {
        id,
      });
      expect(response.data, key).toEqual({ node: null, c: null });
      expect(response.errors?.map((e) => [e.path, e.extensions?.code]).sort(), key).toEqual([
        [['c'], 'BAD_USER_INPUT'],
        [['node'], 'BAD_USER_INPUT'],
      ]);
    }
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('in a batch of ids, fails only its own item; the others are read in one batch', async () => {
    const [a, b] = intercomReadable() as [IntercomContact, IntercomContact];
    const ids = [`Contact:INTERCOM:${a.id}`, 'Contact:INTERCOM:..', `Contact:INTERCOM:${b.id}`].map(globalId);
    const response = await stack.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { sourceId } } }', {
      ids,
    });
    expect(response.data?.nodes).toEqual([{ sourceId: a.id }, null, { sourceId: b.id }]);
    expect(response.errors?.map((e) => [e.path, { ...e.extensions, requestId: undefined }])).toEqual([
      [['nodes', 1], { code: 'BAD_USER_INPUT' }],
    ]);
    expect(paths(stack.upstreams.intercom.calls)).toEqual(['POST /contacts/search']);
    expect(stack.upstreams.intercom.calls[0]?.body).toMatchObject({ query: { value: [a.id, b.id] } });
  });

  it.each([
    ['..', '..'],
    ['%2E%2E', '%2E%2E'],
    ['.', '.'],
    ['undecodable', '%E0%A4%A'],
  ])('an Intercom 410 whose canonical Link names %s: UPSTREAM_BAD_RESPONSE, never followed', async (_name, spelled) => {
    const asked = intercomReadable()[0] as IntercomContact;
    answer(
      stack.upstreams.intercom,
      'GET',
      `/contacts/${asked.id}`,
      { type: 'error.list', request_id: 'r1', errors: [{ code: 'contact_merged', message: 'merged' }] },
      410,
      { link: `<${stack.upstreams.intercom.url}/contacts/${spelled}>; rel="canonical"` },
    );
    const response = await stack.query(
      'query($id: String!) { c: contactBySourceId(source: INTERCOM, sourceId: $id) { id } sources { source } }',
      { id: asked.id },
    );
    expect(response.data?.c).toBeNull();
    expect(response.data?.sources).toHaveLength(2);
    expect(response.errors?.map((e) => [e.path, { ...e.extensions, requestId: undefined }])).toEqual([
      [['c'], { code: 'UPSTREAM_BAD_RESPONSE', source: 'INTERCOM' }],
    ]);
    expect(paths(stack.upstreams.intercom.calls)).toEqual([`GET /contacts/${asked.id}`]);
  });

  it('from Backside data (an affiliation’s organization_id): that affiliation is dropped, the id never sent', async () => {
    const person = backsideA().find((c) => c.kind === 'person' && (c.affiliations?.length ?? 0) > 0) as BacksideContact;
    const real = person.affiliations?.[0];
    answer(stack.upstreams.backside, 'GET', `/api/v1/contacts/${person.id}`, {
      ...person,
      affiliations: [
        { ...real, id: 'aff-dots', organization_id: '..' },
        { ...real, id: 'aff-dot', organization_id: '.' },
        real,
      ],
    });
    const response = await stack.query(
      'query($id: String!) { contactBySourceId(source: BACKSIDE, sourceId: $id) { affiliations { company { sourceId } } companies { sourceId } } }',
      { id: person.id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.contactBySourceId).toEqual({
      affiliations: [{ company: { sourceId: real?.organization_id } }],
      companies: [{ sourceId: real?.organization_id }],
    });
    expect(paths(stack.upstreams.backside.calls).sort()).toEqual(
      [`GET /api/v1/contacts/${person.id}`, `GET /api/v1/contacts/${real?.organization_id}`].sort(),
    );
    // '..' would have been `GET /api/v1/`, '.' `GET /api/v1/contacts/`: neither was sent.
    expect(stack.upstreams.backside.count({ path: /^\/api\/v1\/(contacts\/?)?$/ })).toBe(0);
  });

  it('from Intercom data (a company ref): dropped, the id never sent', async () => {
    const contact = intercomReadable()[0] as IntercomContact;
    const company = stack.upstreams.seed.intercom.companies[0];
    answer(stack.upstreams.intercom, 'GET', `/contacts/${contact.id}`, {
      ...contact,
      companies: {
        type: 'list',
        data: [
          { type: 'company', id: '..' },
          { type: 'company', id: company?.id },
        ],
        total_count: 2,
        has_more: false,
      },
    });
    const response = await stack.query(
      'query($id: String!) { contactBySourceId(source: INTERCOM, sourceId: $id) { companies { sourceId } } }',
      { id: contact.id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.contactBySourceId.companies).toEqual([{ sourceId: company?.id }]);
    expect(paths(stack.upstreams.intercom.calls).sort()).toEqual(
      [`GET /contacts/${contact.id}`, `GET /companies/${company?.id}`].sort(),
    );
    expect(stack.upstreams.intercom.count({ path: '/' })).toBe(0);
  });
});
