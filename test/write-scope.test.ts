// Who may write (issue 12): GATEWAY_API_KEYS entries with `:read`, JWT `scope` claims, and useWriteScope refusing a
// mutation of a caller without `contacts:write` before it executes. A tiny schema of its own, with a Mutation.
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { apiKeyList, loadConfig } from '../src/config.js';
import {
  type CallerContext,
  type GatewayAuthOptions,
  jwtScopes,
  useGatewayAuth,
} from '../src/plugins/use-gateway-auth.js';
import { useWriteScope } from '../src/plugins/use-write-scope.js';

const FULL_KEY = 'full-0123456789abcdef';
const READ_KEY = 'read-0123456789abcdef';
const SECRET = 'a-shared-secret-of-at-least-32-characters';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'contact-gateway';

const token = (claims: object) =>
  jwt.sign(claims, SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });

/** A yoga over a schema whose one mutation counts its runs, with the gateway's auth and the write scope. */
function server(auth: GatewayAuthOptions | undefined) {
  let writes = 0;
  let seen: CallerContext['caller'];
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { hello: String! } type Mutation { write: Int! }',
      resolvers: {
        Query: {
          hello: (_: unknown, __: unknown, context: CallerContext) => {
            seen = context.caller;
            return 'hi';
          },
        },
        Mutation: { write: () => ++writes },
      },
    }),
    plugins: [...(auth ? useGatewayAuth(auth) : []), useWriteScope({ authEnabled: auth !== undefined }) as Plugin],
    logging: false,
  });
  const post = async (query: string, headers: Record<string, string> = {}, operationName?: string) => {
    const response = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, operationName }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { post, writes: () => writes, caller: () => seen };
}

const AUTH: GatewayAuthOptions = {
  apiKeys: [FULL_KEY],
  readOnlyApiKeys: [READ_KEY],
  jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithm: 'HS256' },
};
const MUTATION = 'mutation { write }';
const QUERY = '{ hello }';

describe('useWriteScope', () => {
  it('lets an API key without suffix write, as every key could before', async () => {
    const gateway = server(AUTH);
    const answer = await gateway.post(MUTATION, { 'x-api-key': FULL_KEY });
    expect(answer).toEqual({ status: 200, body: { data: { write: 1 } } });
    await gateway.post(QUERY, { 'x-api-key': FULL_KEY });
    expect(gateway.caller()).toMatchObject({ via: 'apiKey', canWrite: true });
    expect(gateway.caller()?.scopes).toContain('contacts:write');
  });

  it('refuses a read-only key a mutation with FORBIDDEN (403) before it runs, and answers its queries', async () => {
    const gateway = server(AUTH);
    const answer = await gateway.post(MUTATION, { 'x-api-key': READ_KEY });
    expect(answer.status).toBe(403);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: 'Writes need an API key with write access; this one may only read.',
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(gateway.writes()).toBe(0);
    expect(await gateway.post(QUERY, { 'x-api-key': READ_KEY })).toEqual({
      status: 200,
      body: { data: { hello: 'hi' } },
    });
    expect(gateway.caller()).toMatchObject({ via: 'apiKey', canWrite: false, scopes: ['contacts:read'] });
  });

  it('looks at the operation chosen by operationName', async () => {
    const gateway = server(AUTH);
    const document = 'query Q { hello } mutation M { write }';
    expect((await gateway.post(document, { 'x-api-key': READ_KEY }, 'Q')).status).toBe(200);
    expect((await gateway.post(document, { 'x-api-key': READ_KEY }, 'M')).status).toBe(403);
    expect(gateway.writes()).toBe(0);
  });

  it('lets a JWT write only when its scope claim holds contacts:write (a string or an array)', async () => {
    const gateway = server(AUTH);
    const withScope = token({ sub: 'svc', scope: 'contacts:read contacts:write' });
    expect((await gateway.post(MUTATION, { authorization: `Bearer ${withScope}` })).body).toEqual({
      data: { write: 1 },
    });
    const asArray = token({ sub: 'svc', scope: ['contacts:write'] });
    expect((await gateway.post(MUTATION, { authorization: `Bearer ${asArray}` })).body).toEqual({
      data: { write: 2 },
    });
    for (const claims of [
      { sub: 'svc' },
      { sub: 'svc', scope: 'contacts:read' },
      { sub: 'svc', scope: 'contacts:writer' },
    ]) {
      const answer = await gateway.post(MUTATION, { authorization: `Bearer ${token(claims)}` });
      expect(answer.status).toBe(403);
      expect(answer.body.errors[0]).toMatchObject({
        message: 'Writes need a token whose scope holds contacts:write.',
        extensions: { code: 'FORBIDDEN' },
      });
    }
    expect(gateway.writes()).toBe(2);
    // The same subject is the same caller whatever its token; another subject is another.
    await gateway.post(QUERY, { authorization: `Bearer ${token({ sub: 'svc' })}` });
    const first = gateway.caller()?.id;
    await gateway.post(QUERY, { authorization: `Bearer ${token({ sub: 'svc', scope: 'x' })}` });
    expect(gateway.caller()?.id).toBe(first);
    await gateway.post(QUERY, { authorization: `Bearer ${token({ sub: 'other' })}` });
    expect(gateway.caller()?.id).not.toBe(first);
  });

  it('still answers 401 before the write scope is looked at', async () => {
    const gateway = server(AUTH);
    expect((await gateway.post(MUTATION)).status).toBe(401);
    expect((await gateway.post(MUTATION, { 'x-api-key': `${READ_KEY}:read` })).status).toBe(401);
    expect(gateway.writes()).toBe(0);
  });

  it('lets everyone write when auth is off (the demo, GATEWAY_AUTH=disabled)', async () => {
    const gateway = server(undefined);
    expect((await gateway.post(MUTATION)).body).toEqual({ data: { write: 1 } });
  });

  it('fails closed when auth is on but no caller was recorded', async () => {
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { a: Int } type Mutation { b: Int }' }),
      plugins: [useWriteScope({ authEnabled: true }) as Plugin],
      logging: false,
    });
    const response = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { b }' }),
    });
    expect(response.status).toBe(403);
  });
});

describe('jwtScopes', () => {
  it('reads a space-separated string or an array of strings; anything else holds no scope', () => {
    expect(jwtScopes({ scope: ' contacts:read   contacts:write ' })).toEqual(['contacts:read', 'contacts:write']);
    expect(jwtScopes({ scope: ['contacts:write', 3, ''] })).toEqual(['contacts:write']);
    expect(jwtScopes({ scope: 42 })).toEqual([]);
    expect(jwtScopes({})).toEqual([]);
  });
});

describe('GATEWAY_API_KEYS access suffixes', () => {
  const env = (keys: string) => ({ INTERCOM_ACCESS_TOKEN: 'tok', GATEWAY_API_KEYS: keys });

  it('keeps full access for a key without suffix and limits `key:read` to reads', () => {
    expect(loadConfig(env(`${FULL_KEY}, ${READ_KEY}:read`)).auth).toEqual({
      apiKeys: [FULL_KEY],
      readOnlyApiKeys: [READ_KEY],
    });
    expect(loadConfig(env(`${FULL_KEY}:write,${READ_KEY}:READ`)).auth).toEqual({
      apiKeys: [FULL_KEY],
      readOnlyApiKeys: [READ_KEY],
    });
  });

  it('accepts only read-only keys as auth', () => {
    expect(loadConfig(env(`${READ_KEY}:read`)).auth).toEqual({ apiKeys: [], readOnlyApiKeys: [READ_KEY] });
  });

  it('checks the length of the key part, without the suffix', () => {
    expect(() => loadConfig(env('short-key-123:read'))).toThrow(/^GATEWAY_API_KEYS: each key must be at least 16/);
    expect(() => loadConfig(env(`${'x'.repeat(11)}:read`))).toThrow(/^GATEWAY_API_KEYS: /);
  });

  it('keeps other colons as part of the key (a mistyped suffix fails closed)', () => {
    expect(apiKeyList('abcdef:0123456789abcdef,0123456789abcdef:raed')).toEqual({
      apiKeys: ['abcdef:0123456789abcdef', '0123456789abcdef:raed'],
      readOnlyApiKeys: [],
    });
  });

  it('refuses one key listed with two accesses', () => {
    expect(() => apiKeyList(`${FULL_KEY},${FULL_KEY}:read`)).toThrow(/^GATEWAY_API_KEYS: /);
    expect(apiKeyList(`${FULL_KEY},${FULL_KEY}:write`)).toEqual({ apiKeys: [FULL_KEY], readOnlyApiKeys: [] });
  });
});
