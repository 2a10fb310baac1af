// What the gateway shares between requests: identical reads in flight and the Intercom tag list. Always per
// credential, so one caller never receives an answer made for another.
import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { useOperationDedupe } from '../src/plugins/use-operation-dedupe.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function post(
  s: Stack,
  query: string,
  headers: Record<string, string> = {},
  more: { variables?: Record<string, unknown>; signal?: AbortSignal } = {},
) {
  const response = await s.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables: more.variables }),
    ...(more.signal ? { signal: more.signal } : {}),
  });
  return Object.assign((await response.json()) as { data?: any; errors?: any[] }, { status: response.status });
}

// Upstream read dedupe off, so that what is shared here is shared by the operation dedupe alone.
const operationsOnly = { upstream: { dedupe: false, timeoutMs: 5000 } };

describe('sharing between requests', () => {
  it('identical concurrent reads share one upstream call', async () => {
    stack = await startStack();
    stack.upstreams.intercom.setLatency(50);
    const query = '{ contacts(first: 10, sources: [INTERCOM]) { nodes { sourceId tags { name } } } }';
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(stack as Stack, query)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(stack.upstreams.intercom.count({ path: '/contacts' })).toBe(1);
    expect(stack.upstreams.intercom.count({ path: '/tags' })).toBe(1);
  });

  it('never shares between different credentials', async () => {
    stack = await startStack({ gateway: { backsideKeyHeader: 'X-Backside-Api-Key' } });
    stack.upstreams.backside.setLatency(50);
    const query = '{ contacts(first: 5, sources: [BACKSIDE]) { nodes { sourceId } } }';
    const [mine, theirs] = await Promise.all([
      post(stack, query),
      post(stack, query, { 'x-backside-api-key': 'bsk_test_other' }),
    ]);
    expect(stack.upstreams.backside.count({ path: '/api/v1/contacts' })).toBe(2);
    const ids = (answer: typeof mine) => answer.data.contacts.nodes.map((node: { sourceId: string }) => node.sourceId);
    expect(ids(mine).some((id: string) => ids(theirs).includes(id))).toBe(false);
  });

  it('keeps the tag list for a while, so later requests do not ask again', async () => {
    stack = await startStack();
    const query = '{ contacts(first: 5, sources: [INTERCOM]) { nodes { tags { name } } } }';
    await post(stack, query);
    await post(stack, query);
    expect(stack.upstreams.intercom.count({ path: '/tags' })).toBe(1);
    expect(stack.upstreams.intercom.count({ path: '/contacts' })).toBe(2);
  });

  it('shares nothing when dedupe is off', async () => {
    stack = await startStack({ gateway: { upstream: { dedupe: false }, dedupeOperations: false } });
    stack.upstreams.intercom.setLatency(30);
    const query = '{ contacts(first: 3, sources: [INTERCOM]) { nodes { sourceId } } }';
    await Promise.all([post(stack, query), post(stack, query)]);
    expect(stack.upstreams.intercom.count({ path: '/contacts' })).toBe(2);
  });

  it('the opt-in response cache answers a repeat without upstream calls, per credential', async () => {
    stack = await startStack({ gateway: { responseCacheTtlMs: 5000, backsideKeyHeader: 'X-Backside-Api-Key' } });
    const query = '{ contacts(first: 3, sources: [BACKSIDE]) { nodes { sourceId displayName } } }';
    const first = await post(stack, query);
    const calls = stack.calls().backside;
    expect(calls).toBeGreaterThan(0);
    expect(await post(stack, query)).toEqual(first);
    expect(stack.calls().backside).toBe(calls);
    const theirs = await post(stack, query, { 'x-backside-api-key': 'bsk_test_other' });
    expect(stack.calls().backside).toBeGreaterThan(calls);
    expect(theirs).not.toEqual(first);
  });
});

describe('identical operations in flight', () => {
  const list = 'query L($n: Int!) { contacts(first: $n, sources: [INTERCOM]) { nodes { sourceId tags { name } } } }';

  it('execute once: ten identical requests cost the upstream calls of one', async () => {
    stack = await startStack({ gateway: operationsOnly });
    stack.upstreams.intercom.setLatency(40);
    const alone = await post(stack, list, {}, { variables: { n: 5 } });
    stack.reset();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(stack as Stack, list, {}, { variables: { n: 5 } })),
    );
    for (const answer of answers) expect(answer).toEqual(alone);
    // One list call; the tag list was kept from the first request; no contact here has more tags than inline.
    expect(stack.upstreams.intercom.calls.map((call) => call.path)).toEqual(['/contacts']);
  });

  it('each request runs on its own when the variables, the operation or the credential differ', async () => {
    stack = await startStack({ gateway: { ...operationsOnly, backsideKeyHeader: 'X-Backside-Api-Key' } });
    stack.upstreams.intercom.setLatency(40);
    stack.upstreams.backside.setLatency(40);
    await Promise.all([
      post(stack, list, {}, { variables: { n: 5 } }),
      post(stack, list, {}, { variables: { n: 6 } }),
      post(stack, `${list} query M { __typename }`, {}, { variables: { n: 5 } }),
    ]);
    expect(stack.upstreams.intercom.count({ path: '/contacts' })).toBe(2);
    const backside = '{ contacts(first: 5, sources: [BACKSIDE]) { nodes { sourceId } } }';
    const [mine, theirs] = await Promise.all([
      post(stack, backside),
      post(stack, backside, { 'x-backside-api-key': 'bsk_test_other' }),
    ]);
    expect(stack.upstreams.backside.count({ path: '/api/v1/contacts' })).toBe(2);
    expect(mine.data.contacts.nodes).not.toEqual(theirs.data.contacts.nodes);
  });

  it('a joiner still gets the whole answer when the first caller goes away', async () => {
    stack = await startStack({ gateway: operationsOnly });
    stack.upstreams.intercom.setLatency(80);
    const alone = await post(stack, list, {}, { variables: { n: 5 } });
    stack.reset();
    const leaving = new AbortController();
    const first = post(stack, list, {}, { variables: { n: 5 }, signal: leaving.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const joiner = post(stack, list, {}, { variables: { n: 5 } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    leaving.abort();
    expect(await joiner).toEqual(alone);
    expect(await first).toBe('aborted');
    expect(stack.upstreams.intercom.count({ path: '/contacts' })).toBe(1);
  });

  it('a shared answer with a failed source carries its coded error to every caller, and nothing upstream', async () => {
    stack = await startStack({ gateway: { upstream: { dedupe: false, retries: 0, timeoutMs: 5000 } } });
    stack.upstreams.backside.setLatency(40);
    stack.upstreams.intercom.use((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error.list', errors: [{ code: 'server_error', message: 'secret detail' }] }));
      return true;
    });
    const query = `{ b: contacts(first: 3, sources: [BACKSIDE]) { nodes { sourceId } }
      i: contactBySourceId(source: INTERCOM, sourceId: "${stack.upstreams.seed.intercom.contacts[0]?.id}") { sourceId } }`;
    const answers = await Promise.all([post(stack, query), post(stack, query), post(stack, query)]);
    expect(stack.calls()).toEqual({ backside: 1, intercom: 1 });
    for (const answer of answers) {
      expect(answer.data.b.nodes).toHaveLength(3);
      expect(answer.data.i).toBeNull();
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' });
      expect(JSON.stringify(answer)).not.toMatch(/secret detail|127\.0\.0\.1|ic_test/);
    }
  });

  it('a caller without credentials is refused even while the same operation is in flight', async () => {
    stack = await startStack({ gateway: { ...operationsOnly, auth: { apiKeys: ['k'.repeat(32)] } } });
    stack.upstreams.intercom.setLatency(40);
    const [allowed, refused] = await Promise.all([
      post(stack, list, { 'x-api-key': 'k'.repeat(32) }, { variables: { n: 5 } }),
      post(stack, list, {}, { variables: { n: 5 } }),
    ]);
    expect(allowed.data.contacts.nodes).toHaveLength(5);
    expect(refused.status).toBe(401);
    expect(refused.data ?? null).toBeNull();
  });

  it('never shares a mutation', async () => {
    let count = 0;
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { count: Int! } type Mutation { bump: Int! }',
        resolvers: {
          Query: { count: async () => count },
          Mutation: {
            bump: async () => {
              await new Promise((resolve) => setTimeout(resolve, 20));
              count += 1;
              return count;
            },
          },
        },
      }),
      // The gateway's context provides the lifetime; this bare server gets one per request.
      context: ({ request }) => ({ lifetime: { signal: request.signal, hold() {} } }),
      plugins: [useOperationDedupe({ credential: () => 'one' })],
      logging: false,
    });
    const run = async (query: string) =>
      (await (
        await yoga.fetch('http://x/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        })
      ).json()) as { data: Record<string, number> };
    const bumps = await Promise.all([run('mutation { bump }'), run('mutation { bump }'), run('mutation { bump }')]);
    expect(bumps.map((answer) => answer.data.bump).sort()).toEqual([1, 2, 3]);
    const reads = await Promise.all([run('{ count }'), run('{ count }')]);
    expect(reads).toEqual([{ data: { count: 3 } }, { data: { count: 3 } }]);
  });
});
