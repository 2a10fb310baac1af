// What the gateway shares between requests: identical reads in flight and the Intercom tag list. Always per
// credential, so one caller never receives an answer made for another.
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function post(s: Stack, query: string, headers: Record<string, string> = {}) {
  const response = await s.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

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
    stack = await startStack({ gateway: { upstream: { dedupe: false } } });
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
