// Query limits at the limit and one past it, body size, batching, CSRF, gateway auth and callers' own Backside keys:
// a refused operation costs zero upstream calls.
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/plugins/use-query-limits.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway: { limits: { depth: 6, aliases: 5, tokens: 400, directives: 3, cost: 686 } } });
});
afterAll(() => stack.close());
beforeEach(() => stack.reset());

async function post(s: Stack, body: string, headers: Record<string, string> = {}) {
  const response = await s.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
}

const nest = (depth: number) => {
  // contacts(1) > nodes(2) > companies(3) > name(4) ...; linkedContacts adds levels.
  let selection = 'id';
  for (let i = 0; i < depth - 3; i++) selection = `linkedContacts { ${selection} }`;
  return `{ contacts(first: 1) { nodes { ${selection} } } }`;
};

describe('query limits', () => {
  it('a body that is not JSON: 400 BAD_USER_INPUT, and none of the body quoted back', async () => {
    const response = await stack.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"secret-caller-text',
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(text).not.toContain('secret-caller-text');
  });

  it('allows depth 6 and refuses depth 7 without an upstream call', async () => {
    const ok = await stack.query(nest(6));
    expect(ok.errors).toBeUndefined();
    stack.reset();
    const refused = await stack.query(nest(7));
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/depth/i);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('allows 5 aliases and refuses 6', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: sources { source }`).join(' ')} }`;
    expect((await stack.query(aliases(5))).errors).toBeUndefined();
    const refused = await stack.query(aliases(6));
    expect(refused.errors?.[0]?.message).toMatch(/alias/i);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('allows 400 tokens and refuses 401', async () => {
    // `{ sources {` + n × `source` + `} }`: n + 5 tokens.
    const fields = (n: number) => `{ sources { ${Array.from({ length: n }, () => 'source').join(' ')} } }`;
    expect((await stack.query(fields(395))).errors).toBeUndefined();
    const refused = await stack.query(fields(396));
    expect(refused.errors?.[0]?.message).toMatch(/token limit of 400/i);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('allows 3 directives and refuses 4', async () => {
    const three = '{ sources @include(if: true) { source @include(if: true) configured @skip(if: false) } }';
    const four =
      '{ sources @include(if: true) { source @include(if: true) @skip(if: false) configured @skip(if: false) } }';
    expect((await stack.query(three)).errors).toBeUndefined();
    const refused = await stack.query(four);
    expect(refused.errors?.[0]?.message).toMatch(/directive/i);
  });

  it('prices every field that can call upstream: allows cost 686, refuses 687, without an upstream call', async () => {
    // 4 + first × (1 + 10 + 11) with email, companies and affiliations; contactBySourceId costs 1 more.
    const page = '{ contacts(first: 31) { nodes { email companies { name } affiliations { title } } } }';
    const allowed = await stack.query(page); // 4 + 31 × 22 = 686
    expect(allowed.errors).toBeUndefined();
    stack.reset();
    const refused = await stack.query(
      `${page.slice(0, -1)} one: contactBySourceId(source: INTERCOM, sourceId: "x") { id } }`,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/cost 687 is over the limit of 686/);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('hides field suggestions', async () => {
    const response = await stack.query('{ contacs(first: 1) { nodes { id } } }');
    expect(JSON.stringify(response)).not.toMatch(/did you mean/i);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('accepts a body of exactly 100,000 bytes and answers 413 for one byte more, before any upstream call', async () => {
    const sized = (bytes: number) => {
      const shell = JSON.stringify({ query: '{ sources { source } } #' });
      return JSON.stringify({ query: `{ sources { source } } #${'x'.repeat(bytes - shell.length)}` });
    };
    expect(Buffer.byteLength(sized(100_000))).toBe(100_000);
    expect((await post(stack, sized(100_000))).status).toBe(200);
    const response = await post(stack, sized(100_001), { 'x-request-id': 'too-big-1' });
    expect(response.status).toBe(413);
    // Like every GraphQL error, the 413's carries the request id (declared length here; counted while read below).
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', requestId: 'too-big-1' });
    const bytes = new TextEncoder().encode(sized(100_001));
    const chunked = await stack.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'too-big-2' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 50_000));
          controller.enqueue(bytes.slice(50_000));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      requestId: 'too-big-2',
    });
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('refuses batched operations (batching is off by default)', async () => {
    const response = await post(
      stack,
      JSON.stringify([{ query: '{ sources { source } }' }, { query: '{ sources { source } }' }]),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it('with batching on, an item that is not an object is that item’s BAD_USER_INPUT, never a 500', async () => {
    const batching = await startStack({ gateway: { maxBatch: 3 } });
    try {
      const response = await post(batching, '[{"query":"{ __typename }"}, null, 7]');
      const items = response.body as unknown as { data?: unknown; errors?: { extensions?: { code?: string } }[] }[];
      expect(items[0]).toMatchObject({ data: { __typename: 'Query' } });
      expect(items.slice(1).map((item) => item.errors?.[0]?.extensions?.code)).toEqual([
        'BAD_USER_INPUT',
        'BAD_USER_INPUT',
      ]);
    } finally {
      await batching.close();
    }
  });

  it('requires a CSRF header on simple cross-site GETs, but not on JSON POSTs', async () => {
    const get = await stack.gateway.fetch('http://gateway.test/graphql?query=%7Bsources%7Bsource%7D%7D');
    expect(get.status).toBe(403);
    const withHeader = await stack.gateway.fetch('http://gateway.test/graphql?query=%7Bsources%7Bsource%7D%7D', {
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expect(withHeader.status).toBe(200);
  });

  it('has sane defaults', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ depth: 10, aliases: 30, cost: 5000 });
  });
});

describe('gateway authentication', () => {
  const SECRET = 'a-shared-secret-of-some-length';
  let secured: Stack;
  beforeAll(async () => {
    secured = await startStack({
      gateway: {
        auth: {
          apiKeys: ['key-one', 'key-two'],
          jwt: { secret: SECRET, issuer: 'https://issuer.test', audience: 'contact-gateway', algorithm: 'HS256' },
        },
      },
    });
  });
  afterAll(() => secured.close());
  beforeEach(() => secured.reset());

  const query = JSON.stringify({ query: '{ contacts(first: 1) { nodes { id } } }' });
  const token = (claims: object, options: jwt.SignOptions = {}) =>
    jwt.sign(claims, SECRET, {
      algorithm: 'HS256',
      issuer: 'https://issuer.test',
      audience: 'contact-gateway',
      expiresIn: 60,
      ...options,
    });

  it('answers 401 with no upstream call for a missing, wrong or forged credential', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { 'x-api-key': 'key-three' },
      { authorization: `Bearer ${token({ sub: 'a' }, { audience: 'someone-else' })}` },
      {
        authorization: `Bearer ${jwt.sign({ sub: 'a' }, 'another-secret', { algorithm: 'HS256', issuer: 'https://issuer.test', audience: 'contact-gateway' })}`,
      },
      {
        authorization: `Bearer ${jwt.sign({ sub: 'a' }, SECRET, { algorithm: 'HS384', issuer: 'https://issuer.test', audience: 'contact-gateway' })}`,
      },
    ]) {
      const response = await post(secured, query, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(secured.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('accepts an API key or a valid JWT, and never forwards the caller’s Authorization upstream', async () => {
    expect((await post(secured, query, { 'x-api-key': 'key-two' })).status).toBe(200);
    const bearer = `Bearer ${token({ sub: 'svc' })}`;
    const response = await post(secured, query, { authorization: bearer });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const sent = [...secured.upstreams.backside.calls, ...secured.upstreams.intercom.calls].map(
      (c) => c.headers.authorization,
    );
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).not.toContain(bearer);
  });
});

describe('a caller’s own Backside key', () => {
  let tenants: Stack;
  beforeAll(async () => {
    tenants = await startStack({ gateway: { backsideKeyHeader: 'X-Backside-Api-Key' } });
  });
  afterAll(() => tenants.close());

  it('is used instead of the configured key, and its answers are its own tenant’s', async () => {
    const seed = tenants.upstreams.seed.backside;
    const tenantB = seed.tenants.find((t) => t.apiKey === 'bsk_test_other')?.id;
    const own = seed.contacts
      .filter((c) => c.tenant_id === tenantB)
      .map((c) => c.id)
      .sort();
    const response = await post(
      tenants,
      JSON.stringify({ query: '{ contacts(first: 100, sources: [BACKSIDE]) { nodes { sourceId } } }' }),
      {
        'x-backside-api-key': 'bsk_test_other',
      },
    );
    expect(response.body.data.contacts.nodes.map((n: { sourceId: string }) => n.sourceId).sort()).toEqual(own);
    expect(tenants.upstreams.backside.calls.every((c) => c.headers.authorization === 'Bearer bsk_test_other')).toBe(
      true,
    );
    tenants.reset();
    const mine = await post(
      tenants,
      JSON.stringify({ query: '{ contacts(first: 5, sources: [BACKSIDE]) { nodes { sourceId } } }' }),
    );
    expect(mine.body.data.contacts.nodes.every((n: { sourceId: string }) => !own.includes(n.sourceId))).toBe(true);
    expect(tenants.upstreams.backside.calls.every((c) => c.headers.authorization === 'Bearer bsk_test_demo')).toBe(
      true,
    );
  });
});

describe('tenant isolation', () => {
  it('drops a Backside record of another tenant, should the API ever return one', async () => {
    const seeded = await startStack();
    const tenantA = seeded.upstreams.seed.backside.tenants[0]?.id as string;
    await seeded.close();
    const guarded = await startStack({ gateway: { backsideTenantId: tenantA } });
    try {
      const foreign = guarded.upstreams.seed.backside.contacts.find((c) => c.tenant_id !== tenantA);
      const own = guarded.upstreams.seed.backside.contacts.find((c) => c.tenant_id === tenantA);
      // A misbehaving upstream: the list and the record answer with another tenant's contact mixed in.
      guarded.upstreams.backside.use((req, res) => {
        if (req.url?.startsWith('/api/v1/contacts?')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ data: [own, foreign].map((c) => ({ ...c, channels: undefined })), next_cursor: null }),
          );
          return true;
        }
        if (req.url === `/api/v1/contacts/${foreign?.id}`) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(foreign));
          return true;
        }
        return false;
      });
      const list = await guarded.query('{ contacts(first: 10, sources: [BACKSIDE]) { nodes { sourceId } } }');
      expect(list.data?.contacts.nodes).toEqual([{ sourceId: own?.id }]);
      const one = await guarded.query(
        `{ contactBySourceId(source: BACKSIDE, sourceId: "${foreign?.id}") { sourceId } }`,
      );
      expect(one.data?.contactBySourceId).toBeNull();
    } finally {
      await guarded.close();
    }
  });
});
