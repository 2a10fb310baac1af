// Issue 12, the promises around writes that a user cannot see in one mutation's answer: a create whose answer is lost
// makes exactly one record (or says the outcome is unknown, never writing twice); idempotency keys replay; only
// callers with the write scope write; and after a write nothing this gateway serves that caller is stale.
// The real gateway over the loopback fakes (test/helpers/stack.ts).
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import type { GatewayOptions } from '../src/yoga.js';
import { type GraphQLResponse, type Stack, startStack } from './helpers/stack.js';

const B_CREATE = { method: 'POST', path: '/api/v1/contacts' };
const I_CREATE = { method: 'POST', path: '/contacts' };

const CREATE = `mutation Create($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { id source sourceId email externalId displayName tags { name } }
    userErrors { field message code }
  }
}`;
const UPDATE = `mutation Update($input: UpdateContactInput!) {
  updateContact(input: $input) {
    contact { id displayName givenName familyName nickname tags { name } }
    userErrors { field message code }
  }
}`;
const TAG = `mutation Tag($input: TagContactInput!) {
  tagContact(input: $input) { contact { id tags { id name } } userErrors { field message code } }
}`;
const CONTACT = `query One($id: ID!) { contact(id: $id) { id displayName deletedAt tags { id name } } }`;

let unique = 0;
/** A fresh email per call, so that no test trips over another's record. */
const email = (what: string) => `${what}.${Date.now().toString(36)}.${++unique}@exactly-once.test`;

/** Runs a create and answers its contact, failing the test on any error. */
async function created(stack: Stack, input: Record<string, unknown>) {
  const answer = await stack.query(CREATE, { input });
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.createContact.userErrors).toEqual([]);
  return answer.data?.createContact.contact as { id: string; sourceId: string; email: string | null };
}

/** Every text a user could read in an answer's errors, for "never an upstream URL, token or body". */
function expectNothingUpstream(stack: Stack, answer: GraphQLResponse) {
  const text = JSON.stringify(answer.errors ?? []);
  expect(text).not.toContain(stack.upstreams.backside.url);
  expect(text).not.toContain(stack.upstreams.intercom.url);
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toMatch(/Bearer|api[_-]?key|token_/i);
  expect(text).not.toMatch(/"type":"error\.list"|validation_failed|"error":\{/);
}

describe('a create whose answer is lost happens exactly once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.upstreams.backside.control.clear();
    stack.upstreams.intercom.control.clear();
    stack.reset();
  });

  it('Backside: the answer is lost after the contact was made → the gateway answers that contact, one record, one POST', async () => {
    const address = email('lost.backside');
    const holds = (contact: BacksideContact) =>
      (contact.channels ?? []).some((channel) => channel.type === 'email' && channel.value === address);
    stack.upstreams.backside.control.dropNextWriteAnswer(1, B_CREATE);
    const answer = await stack.query(CREATE, { input: { source: 'BACKSIDE', givenName: 'Lost', email: address } });
    expect(answer.errors).toBeUndefined();
    const contact = answer.data?.createContact.contact;
    expect(contact).toMatchObject({ source: 'BACKSIDE', email: address });
    expect(stack.upstreams.backside.control.pendingDrops()).toBe(0);
    expect(stack.upstreams.backside.control.count(holds)).toBe(1);
    expect(stack.upstreams.backside.control.contacts().find(holds)?.id).toBe(contact.sourceId);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(1);
  });

  it('Intercom: the answer is lost → found by external id, one record, one POST', async () => {
    const address = email('lost.intercom');
    const externalId = `ext-${address}`;
    const holds = (contact: IntercomContact) => contact.email === address;
    stack.upstreams.intercom.control.dropNextWriteAnswer(1, I_CREATE);
    const answer = await stack.query(CREATE, {
      input: { source: 'INTERCOM', name: 'Lost Answer', email: address, externalId },
    });
    expect(answer.errors).toBeUndefined();
    const contact = answer.data?.createContact.contact;
    expect(contact).toMatchObject({ source: 'INTERCOM', email: address, externalId });
    expect(stack.upstreams.intercom.control.pendingDrops()).toBe(0);
    expect(stack.upstreams.intercom.control.count(holds)).toBe(1);
    expect(stack.upstreams.intercom.control.contacts().find(holds)?.id).toBe(contact.sourceId);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
  });

  it('Intercom: the answer is lost → found by email alone', async () => {
    const address = email('lost.intercom.email');
    stack.upstreams.intercom.control.dropNextWriteAnswer(1, I_CREATE);
    const answer = await stack.query(CREATE, { input: { source: 'INTERCOM', name: 'Lost Email', email: address } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.createContact.contact).toMatchObject({ source: 'INTERCOM', email: address });
    expect(stack.upstreams.intercom.control.count((contact) => contact.email === address)).toBe(1);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
  });

  it('Intercom: lost answer while search cannot see the contact yet → "outcome unknown", never a second create', async () => {
    const address = email('lost.lagging');
    stack.upstreams.intercom.control.searchLagMs = 60_000;
    stack.upstreams.intercom.control.dropNextWriteAnswer(1, I_CREATE);
    // Email only: search is the one way to find it, and search does not show it yet.
    const answer = await stack.query(CREATE, { input: { source: 'INTERCOM', name: 'Lost Lagging', email: address } });
    expect(answer.data?.createContact ?? null).toBeNull();
    expect(answer.errors).toHaveLength(1);
    const error = answer.errors?.[0];
    expect(error?.message).toMatch(/may or may not have been created/);
    expect(error?.message).toMatch(/not send it again/);
    expect(error?.extensions).toMatchObject({ source: 'INTERCOM' });
    expect(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']).toContain(error?.extensions?.code);
    expect(error?.path).toEqual(['createContact']);
    expectNothingUpstream(stack, answer);
    expect(stack.upstreams.intercom.control.count((contact) => contact.email === address)).toBe(1);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
  });

  it('Intercom: lost answer while search lags, with an external id → read by it directly, one record', async () => {
    const address = email('lost.lagging.ext');
    const externalId = `ext-${address}`;
    stack.upstreams.intercom.control.searchLagMs = 60_000;
    stack.upstreams.intercom.control.dropNextWriteAnswer(1, I_CREATE);
    const answer = await stack.query(CREATE, {
      input: { source: 'INTERCOM', name: 'Lost Lagging', email: address, externalId },
    });
    expect(answer.errors).toBeUndefined();
    const contact = answer.data?.createContact.contact;
    expect(contact).toMatchObject({ source: 'INTERCOM', email: address, externalId });
    expect(stack.upstreams.intercom.control.contacts().find((c) => c.email === address)?.id).toBe(contact.sourceId);
    expect(stack.upstreams.intercom.control.count((c) => c.email === address)).toBe(1);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
  });

  it('Backside: lost answer with nothing to look it up by (a name only) → "outcome unknown", one record', async () => {
    const name = `Nameless${++unique}`;
    stack.upstreams.backside.control.dropNextWriteAnswer(1, B_CREATE);
    const answer = await stack.query(CREATE, { input: { source: 'BACKSIDE', givenName: name } });
    expect(answer.data?.createContact ?? null).toBeNull();
    expect(answer.errors?.[0]?.message).toMatch(/may or may not have been created.*not send it again/);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ source: 'BACKSIDE' });
    expect(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']).toContain(answer.errors?.[0]?.extensions?.code);
    expectNothingUpstream(stack, answer);
    expect(stack.upstreams.backside.control.count((contact) => contact.given_name === name)).toBe(1);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(1);
  });

  it('a retry with the same idempotency key after an unknown outcome looks again and never creates a second record', async () => {
    const address = email('lost.retried');
    const input = { source: 'INTERCOM', name: 'Lost Retried', email: address, idempotencyKey: `retry-${address}` };
    // Search shows a new contact 2 s after its create (the fake fixes that when the contact is made).
    const lagMs = 2_000;
    stack.upstreams.intercom.control.searchLagMs = lagMs;
    stack.upstreams.intercom.control.dropNextWriteAnswer(1, I_CREATE);
    const sent = Date.now();
    const first = await stack.query(CREATE, { input });
    expect(first.errors?.[0]?.message).toMatch(/may or may not have been created/);
    // Retried while search still lags: still unknown, and still nothing sent again.
    const second = await stack.query(CREATE, { input });
    expect(second.errors?.[0]?.message).toMatch(/may or may not have been created/);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
    // Once search shows it, the retry answers the record the first call made.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sent + lagMs + 100 - Date.now())));
    const third = await stack.query(CREATE, { input });
    expect(third.errors).toBeUndefined();
    const record = stack.upstreams.intercom.control.contacts().find((contact) => contact.email === address);
    expect(third.data?.createContact.contact).toMatchObject({ sourceId: record?.id, email: address });
    expect(stack.upstreams.intercom.control.count((contact) => contact.email === address)).toBe(1);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
  });

  it('a retry with the same key of a Backside create nothing can look up stays unknown, one record', async () => {
    const name = `Nameless${++unique}`;
    const input = { source: 'BACKSIDE', givenName: name, idempotencyKey: `retry-${name}` };
    stack.upstreams.backside.control.dropNextWriteAnswer(1, B_CREATE);
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await stack.query(CREATE, { input });
      expect(answer.errors?.[0]?.message).toMatch(/may or may not have been created.*not send it again/);
    }
    expect(stack.upstreams.backside.control.count((contact) => contact.given_name === name)).toBe(1);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(1);
  });

  it('a create answered 5xx is not sent again (one POST per source), and the error names no upstream detail', async () => {
    for (const [source, fake, match] of [
      ['BACKSIDE', stack.upstreams.backside, B_CREATE],
      ['INTERCOM', stack.upstreams.intercom, I_CREATE],
    ] as const) {
      stack.reset();
      const stop = fake.use((req, res) => {
        if (req.method !== match.method || req.url?.split('?')[0] !== match.path) return false;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unavailable', message: 'secret upstream body' } }));
        return true;
      });
      try {
        const address = email(`fivexx.${source.toLowerCase()}`);
        const answer = await stack.query(CREATE, { input: { source, name: 'Five Hundred', email: address } });
        expect(answer.data?.createContact ?? null).toBeNull();
        expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source });
        expect(answer.errors?.[0]?.message).not.toContain('secret upstream body');
        expectNothingUpstream(stack, answer);
        expect(fake.count(match)).toBe(1);
      } finally {
        stop();
      }
    }
  });
});

describe('a create that times out after it went out', () => {
  it('is looked up, not sent again: the created contact is the answer, one record per source', async () => {
    const stack = await startStack({ gateway: { upstream: { timeoutMs: 400, concurrency: 8 } } });
    try {
      for (const [source, fake, match] of [
        ['BACKSIDE', stack.upstreams.backside, B_CREATE],
        ['INTERCOM', stack.upstreams.intercom, I_CREATE],
      ] as const) {
        stack.reset();
        // The fake makes the contact (the interceptor forwards the request to it) but never answers the gateway.
        let forwarded = 0;
        const stop = fake.use(async (req, _res, call) => {
          if (req.headers['x-forwarded-by-test'] || req.method !== match.method || call.path !== match.path)
            return false;
          forwarded += 1;
          const { host: _host, 'content-length': _length, ...headers } = req.headers as Record<string, string>;
          await fetch(`${fake.url}${match.path}`, {
            method: 'POST',
            headers: { ...headers, 'x-forwarded-by-test': '1' },
            body: JSON.stringify(call.body),
          });
          return true; // and never answer
        });
        try {
          const address = email(`timeout.${source.toLowerCase()}`);
          const answer = await stack.query(CREATE, {
            input: { source, name: 'Timed Out', givenName: 'Timed', email: address },
          });
          expect(answer.errors).toBeUndefined();
          expect(answer.data?.createContact.contact).toMatchObject({ source, email: address });
          // One create from the gateway (the other recorded POST is this test's forward).
          expect(forwarded).toBe(1);
          expect(fake.count(match)).toBe(2);
          const holds =
            source === 'BACKSIDE'
              ? stack.upstreams.backside.control.count((c) => (c.channels ?? []).some((ch) => ch.value === address))
              : stack.upstreams.intercom.control.count((c) => c.email === address);
          expect(holds).toBe(1);
        } finally {
          stop();
        }
      }
    } finally {
      await stack.close();
    }
  });
});

describe('idempotency keys', () => {
  const KEY_A = 'key-a-0123456789abcdef';
  const KEY_B = 'key-b-0123456789abcdef';
  let stack: Stack;
  /** A request as caller `key` (an API key). */
  const as = async (key: string, query: string, variables: Record<string, unknown>) => {
    const response = await stack.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<any>;
  };
  beforeAll(async () => {
    stack = await startStack({ gateway: { auth: { apiKeys: [KEY_A, KEY_B] } } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.reset());

  it('the same key and input answer the same record with one upstream create; other input is a conflict', async () => {
    const address = email('idem');
    const input = { source: 'INTERCOM', name: 'Idem Potent', email: address, idempotencyKey: 'create-1' };
    const first = await as(KEY_A, CREATE, { input });
    const second = await as(KEY_A, CREATE, { input: { ...input, clientMutationId: 'again' } });
    expect(first.data?.createContact.userErrors).toEqual([]);
    expect(second.data?.createContact.contact.id).toBe(first.data?.createContact.contact.id);
    expect(second.data?.createContact.contact.email).toBe(address);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
    expect(stack.upstreams.intercom.control.count((contact) => contact.email === address)).toBe(1);

    stack.reset();
    const other = await as(KEY_A, CREATE, { input: { ...input, name: 'Someone Else' } });
    expect(other.errors).toBeUndefined();
    expect(other.data?.createContact).toEqual({
      contact: null,
      userErrors: [{ field: ['input', 'idempotencyKey'], message: expect.any(String), code: 'IDEMPOTENCY_CONFLICT' }],
    });
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('another caller with the same key gets its own create', async () => {
    const input = (address: string) => ({ source: 'BACKSIDE', givenName: 'Two', email: address, idempotencyKey: 'k' });
    const a = await as(KEY_A, CREATE, { input: input(email('caller.a')) });
    const b = await as(KEY_B, CREATE, { input: input(email('caller.b')) });
    expect(a.data?.createContact.userErrors).toEqual([]);
    expect(b.data?.createContact.userErrors).toEqual([]);
    expect(b.data?.createContact.contact.id).not.toBe(a.data?.createContact.contact.id);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(2);
  });

  it('another caller with the same key and the same input is not answered the first caller’s record', async () => {
    // Backside makes a second contact from the same fields when there is no email: the second caller must get one.
    const input = { source: 'BACKSIDE', givenName: 'Same', familyName: 'Input', idempotencyKey: 'shared-key' };
    const a = await as(KEY_A, CREATE, { input });
    const b = await as(KEY_B, CREATE, { input });
    expect(b.data?.createContact.contact.id).not.toBe(a.data?.createContact.contact.id);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(2);
  });

  it('two concurrent identical calls with the same key create once and answer the same record', async () => {
    const input = { source: 'BACKSIDE', givenName: 'Concurrent', familyName: 'Twin', idempotencyKey: 'together' };
    const before = stack.upstreams.backside.control.count((c) => c.given_name === 'Concurrent');
    const [a, b] = await Promise.all([as(KEY_A, CREATE, { input }), as(KEY_A, CREATE, { input })]);
    expect(a.data?.createContact.contact.id).toBeDefined();
    expect(b.data?.createContact.contact.id).toBe(a.data?.createContact.contact.id);
    expect(stack.upstreams.backside.count(B_CREATE)).toBe(1);
    expect(stack.upstreams.backside.control.count((c) => c.given_name === 'Concurrent')).toBe(before + 1);
  });

  it('updateContact replays by key, and conflicts on other input with zero calls', async () => {
    const contact = await (async () => {
      const answer = await as(KEY_A, CREATE, { input: { source: 'INTERCOM', name: 'Up Date', email: email('up') } });
      return answer.data?.createContact.contact;
    })();
    stack.reset();
    const input = { id: contact.id, name: 'Up Dated', idempotencyKey: 'update-1' };
    const first = await as(KEY_A, UPDATE, { input });
    const again = await as(KEY_A, UPDATE, { input });
    expect(first.data?.updateContact.contact).toMatchObject({ id: contact.id, displayName: 'Up Dated' });
    expect(again.data?.updateContact.contact).toMatchObject({ id: contact.id, displayName: 'Up Dated' });
    expect(stack.upstreams.intercom.count({ method: 'PUT' })).toBe(1);

    stack.reset();
    const conflict = await as(KEY_A, UPDATE, { input: { ...input, name: 'Other Name' } });
    expect(conflict.data?.updateContact.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_CONFLICT' }),
    ]);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('copyContact replays by key: one create in the target source', async () => {
    const address = email('copy');
    const source = await as(KEY_A, CREATE, { input: { source: 'BACKSIDE', givenName: 'Copy', email: address } });
    const id = source.data?.createContact.contact.id;
    const COPY = `mutation Copy($input: CopyContactInput!) {
      copyContact(input: $input) { created contact { id source email } userErrors { field code } }
    }`;
    stack.reset();
    const input = { id, to: 'INTERCOM', idempotencyKey: 'copy-1' };
    const first = await as(KEY_A, COPY, { input });
    const again = await as(KEY_A, COPY, { input });
    expect(first.data?.copyContact).toMatchObject({ created: true, contact: { source: 'INTERCOM', email: address } });
    expect(again.data?.copyContact.contact.id).toBe(first.data?.copyContact.contact.id);
    expect(again.data?.copyContact.created).toBe(true);
    expect(stack.upstreams.intercom.count(I_CREATE)).toBe(1);
    expect(stack.upstreams.intercom.control.count((contact) => contact.email === address)).toBe(1);

    stack.reset();
    const other = await as(KEY_A, CREATE, { input: { source: 'BACKSIDE', givenName: 'Other', email: email('copy2') } });
    stack.reset();
    const conflict = await as(KEY_A, COPY, { input: { ...input, id: other.data?.createContact.contact.id } });
    expect(conflict.data?.copyContact.userErrors).toEqual([
      { field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_CONFLICT' },
    ]);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });
});

describe('who may write', () => {
  const FULL = 'full-key-0123456789abcdef';
  const READ = 'read-key-0123456789abcdef';
  const SECRET = 'a-shared-secret-of-at-least-32-characters!';
  const jwtOptions = {
    secret: SECRET,
    issuer: 'https://issuer.test',
    audience: 'contacts',
    algorithm: 'HS256' as const,
  };
  const token = (claims: object) =>
    jwt.sign(claims, SECRET, {
      algorithm: 'HS256',
      issuer: jwtOptions.issuer,
      audience: jwtOptions.audience,
      expiresIn: 60,
    });
  let stack: Stack;
  const post = async (headers: Record<string, string>, query: string, variables: Record<string, unknown>) => {
    const response = await stack.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<any> };
  };
  const createInput = () => ({ input: { source: 'BACKSIDE', givenName: 'Writer', email: email('who') } });
  const SOURCES = '{ contacts(first: 1, sources: [BACKSIDE]) { nodes { id } } }';
  beforeAll(async () => {
    stack = await startStack({ gateway: { auth: { apiKeys: [FULL], readOnlyApiKeys: [READ], jwt: jwtOptions } } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.reset());

  const expectForbidden = (answer: { status: number; body: GraphQLResponse<any> }) => {
    expect(answer.body.data ?? null).toBeNull();
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  };

  it('a read-only key is refused a mutation (FORBIDDEN, zero upstream calls) and may still read', async () => {
    const before = stack.upstreams.backside.control.count();
    expectForbidden(await post({ 'x-api-key': READ }, CREATE, createInput()));
    expect(stack.upstreams.backside.control.count()).toBe(before);
    const read = await post({ 'x-api-key': READ }, SOURCES, {});
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data?.contacts.nodes).toHaveLength(1);
  });

  it('a full key writes', async () => {
    const answer = await post({ 'x-api-key': FULL }, CREATE, createInput());
    expect(answer.body.data?.createContact).toMatchObject({ contact: { source: 'BACKSIDE' }, userErrors: [] });
  });

  it('a JWT writes only when its scope holds contacts:write', async () => {
    const writer = await post(
      { authorization: `Bearer ${token({ sub: 'w', scope: 'contacts:read contacts:write' })}` },
      CREATE,
      createInput(),
    );
    expect(writer.body.data?.createContact).toMatchObject({ contact: { source: 'BACKSIDE' }, userErrors: [] });
    stack.reset();
    const bearer = { authorization: `Bearer ${token({ sub: 'r', scope: 'contacts:read' })}` };
    expectForbidden(await post(bearer, CREATE, createInput()));
    expect((await post(bearer, SOURCES, {})).body.errors).toBeUndefined();
    stack.reset();
    expectForbidden(await post({ authorization: `Bearer ${token({ sub: 'n' })}` }, CREATE, createInput()));
  });

  it('with auth off (the demo) anyone writes', async () => {
    const open = await startStack();
    try {
      const answer = await open.query(CREATE, createInput());
      expect(answer.data?.createContact).toMatchObject({ contact: { source: 'BACKSIDE' }, userErrors: [] });
    } finally {
      await open.close();
    }
  });
});

describe('nothing is stale for the caller after a write', () => {
  const cached = (gateway: Partial<GatewayOptions> = {}) => startStack({ gateway });

  it('Intercom tag list (cached per credential): a new tag shows on the contact and as a node in a new request', async () => {
    const stack = await cached();
    try {
      const contact = await created(stack, { source: 'INTERCOM', name: 'Tag Me', email: email('tag') });
      const before = await stack.query(CONTACT, { id: contact.id });
      expect(before.data?.contact.tags).toEqual([]);
      const name = `fresh-tag-${++unique}`;
      const tagged = await stack.query(TAG, { input: { contactId: contact.id, tagName: name } });
      expect(tagged.data?.tagContact.contact.tags.map((tag: { name: string }) => tag.name)).toEqual([name]);
      const after = await stack.query(CONTACT, { id: contact.id });
      const tag = after.data?.contact.tags.find((item: { name: string }) => item.name === name);
      expect(tag).toBeDefined();
      const node = await stack.query('query N($id: ID!) { node(id: $id) { ... on Tag { id name source } } }', {
        id: tag.id,
      });
      expect(node.errors).toBeUndefined();
      expect(node.data?.node).toEqual({ id: tag.id, name, source: 'INTERCOM' });
    } finally {
      await stack.close();
    }
  });

  it('response cache: a cached contact is not served after update, tag and delete change it', async () => {
    const stack = await cached({ responseCacheTtlMs: 60_000 });
    try {
      for (const source of ['BACKSIDE', 'INTERCOM'] as const) {
        const contact = await created(stack, { source, name: 'Cache Me', givenName: 'Cache', email: email('cache') });
        const first = await stack.query(CONTACT, { id: contact.id });
        stack.reset();
        // The cache works: the same query again costs nothing upstream.
        expect(await stack.query(CONTACT, { id: contact.id })).toEqual(first);
        expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });

        const update = await stack.query(UPDATE, { input: { id: contact.id, name: 'Cache Changed' } });
        expect(update.data?.updateContact.userErrors).toEqual([]);
        expect(first.data?.contact.displayName).not.toBe('Cache Changed');
        const updated = await stack.query(CONTACT, { id: contact.id });
        expect(updated.data?.contact.displayName).toBe('Cache Changed');

        const name = `cache-tag-${++unique}`;
        await stack.query(TAG, { input: { contactId: contact.id, tagName: name } });
        const tagged = await stack.query(CONTACT, { id: contact.id });
        expect(tagged.data?.contact.tags.map((tag: { name: string }) => tag.name)).toContain(name);

        const deleted = await stack.query(
          'mutation D($id: ID!) { deleteContact(input: { id: $id }) { deletedContactId userErrors { code } } }',
          { id: contact.id },
        );
        expect(deleted.data?.deleteContact).toEqual({ deletedContactId: contact.id, userErrors: [] });
        // Backside soft-deletes (the record still answers, with deletedAt); an archived Intercom contact is gone.
        const gone = await stack.query(CONTACT, { id: contact.id });
        expect(gone.errors).toBeUndefined();
        if (source === 'BACKSIDE') expect(gone.data?.contact.deletedAt).toEqual(expect.any(String));
        else expect(gone.data?.contact).toBeNull();
      }
    } finally {
      await stack.close();
    }
  });

  it('response cache: a cached list shows a contact created afterwards', async () => {
    const stack = await cached({ responseCacheTtlMs: 60_000 });
    try {
      const LIST = '{ contacts(first: 100, sources: [BACKSIDE]) { nodes { id } } }';
      const before = await stack.query(LIST);
      expect(before.errors).toBeUndefined();
      expect(await stack.query(LIST)).toEqual(before);
      const contact = await created(stack, { source: 'BACKSIDE', givenName: 'Listed', email: email('list') });
      const after = await stack.query(LIST);
      const ids = after.data?.contacts.nodes.map((node: { id: string }) => node.id);
      expect(ids).toContain(contact.id);
      expect(ids).toHaveLength(before.data?.contacts.nodes.length + 1);
    } finally {
      await stack.close();
    }
  });

  it('two identical createContact mutations sent at once both run (never deduplicated)', async () => {
    const stack = await cached({ responseCacheTtlMs: 60_000 });
    try {
      const name = `Twin${++unique}`;
      const input = { source: 'BACKSIDE', givenName: name, familyName: 'Same' };
      const [a, b] = await Promise.all([stack.query(CREATE, { input }), stack.query(CREATE, { input })]);
      expect(a.data?.createContact.contact.id).toBeDefined();
      expect(b.data?.createContact.contact.id).toBeDefined();
      expect(b.data?.createContact.contact.id).not.toBe(a.data?.createContact.contact.id);
      expect(stack.upstreams.backside.count(B_CREATE)).toBe(2);
      expect(stack.upstreams.backside.control.count((contact) => contact.given_name === name)).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('within one request, a later mutation field sees an earlier one’s change', async () => {
    const stack = await cached();
    try {
      for (const source of ['BACKSIDE', 'INTERCOM'] as const) {
        const contact = await created(stack, { source, name: 'One Request', givenName: 'One', email: email('one') });
        // Read first, so the request's loaders hold the contact and its tags before the writes.
        const name = `same-request-${++unique}`;
        const answer = await stack.query(
          `mutation Both($id: ID!, $tag: String!) {
            read: tagContact(input: { contactId: $id, tagName: "warm-up" }) { contact { tags { name } } }
            a: tagContact(input: { contactId: $id, tagName: $tag }) { contact { id } userErrors { code } }
            b: updateContact(input: { id: $id, nickname: "Both" }) { contact { nickname tags { name } } userErrors { code } }
          }`,
          { id: contact.id, tag: name },
        );
        expect(answer.errors).toBeUndefined();
        expect(answer.data?.b.userErrors).toEqual([]);
        expect(answer.data?.b.contact.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(
          [name, 'warm-up'].sort(),
        );
      }
    } finally {
      await stack.close();
    }
  });
});

describe('Intercom notes need an admin', () => {
  it('addNote without intercom.adminId answers REQUIRED and calls nothing', async () => {
    const stack = await startStack();
    try {
      const contact = await created(stack, { source: 'INTERCOM', name: 'Note Less', email: email('note') });
      stack.reset();
      const answer = await stack.query(
        `mutation N($id: ID!) { addNote(input: { contactId: $id, body: "<p>hi</p>" }) {
          note { id } contact { id } userErrors { field message code } } }`,
        { id: contact.id },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.addNote).toMatchObject({
        note: null,
        contact: null,
        userErrors: [expect.objectContaining({ code: 'REQUIRED' })],
      });
      expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
    } finally {
      await stack.close();
    }
  });
});

describe('a read in flight when a write lands', () => {
  it('is not shared with a read that starts after the write', async () => {
    const stack = await startStack();
    try {
      for (const source of ['BACKSIDE', 'INTERCOM'] as const) {
        const contact = await created(stack, {
          source,
          name: 'Before Write',
          givenName: 'Before',
          email: email('flight'),
        });
        const fake = source === 'BACKSIDE' ? stack.upstreams.backside : stack.upstreams.intercom;
        const path = source === 'BACKSIDE' ? `/api/v1/contacts/${contact.sourceId}` : `/contacts/${contact.sourceId}`;
        // The first read of the contact is answered by the fake at once (before the write) but its bytes reach the
        // gateway only 400 ms later: a slow network, while the write and a new read happen.
        let captured!: () => void;
        const capturedNow = new Promise<void>((resolve) => (captured = resolve));
        let held = false;
        const stop = fake.use(async (req, res) => {
          if (held || req.method !== 'GET' || req.url?.split('?')[0] !== path) return false;
          held = true;
          const answer = await fetch(`${fake.url}${req.url}`, { headers: req.headers as Record<string, string> });
          const body = await answer.text();
          captured();
          await new Promise((resolve) => setTimeout(resolve, 400));
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(body);
          return true;
        });
        try {
          const early = stack.query(CONTACT, { id: contact.id });
          await capturedNow;
          const update = await stack.query(UPDATE, { input: { id: contact.id, name: 'After Write' } });
          expect(update.data?.updateContact.contact.displayName).toBe('After Write');
          const late = await stack.query(CONTACT, { id: contact.id });
          expect(late.data?.contact.displayName).toBe('After Write');
          await early;
        } finally {
          stop();
        }
      }
    } finally {
      await stack.close();
    }
  });
});
